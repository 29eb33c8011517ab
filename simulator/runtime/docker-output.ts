import { Writable } from 'node:stream';
import type { OutputLine, OutputListener } from './container-runtime.js';

/** A writable that splits what it receives into lines and hands each one on. */
export function lineWriter(stream: OutputLine['stream'], listener: OutputListener): Writable {
  let pending = '';

  return new Writable({
    write(chunk: Buffer, _encoding, done): void {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const text of lines) listener({ stream, text: text.replace(/\r$/, '') });
      done();
    },
    final(done): void {
      if (pending !== '') listener({ stream, text: pending });
      done();
    },
  });
}

/** Splits a buffered multiplexed stream (8-byte frame headers) into lines per stream. */
export function demuxBuffer(buffer: Buffer): OutputLine[] {
  const lines: OutputLine[] = [];
  const text = { stdout: '', stderr: '' };

  for (let offset = 0; offset + 8 <= buffer.length;) {
    const size = buffer.readUInt32BE(offset + 4);
    const stream = buffer.readUInt8(offset) === 2 ? 'stderr' : 'stdout';
    text[stream] += buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }

  for (const stream of ['stdout', 'stderr'] as const) {
    for (const line of text[stream].split('\n'))
      if (line !== '') lines.push({ stream, text: line });
  }
  return lines;
}
