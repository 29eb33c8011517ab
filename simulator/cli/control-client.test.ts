import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { reportError } from './context.js';
import { ControlClient } from './control-client.js';
import { InterruptedError } from './interrupt.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A platform that takes every request and never answers. */
async function silentPlatform(): Promise<string> {
  server = createServer(() => undefined);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A platform that starts a stream, sends one frame, and never finishes it. */
async function streamingPlatform(): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify({ type: 'out', text: '==> Building image\n' })}\n`);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('ControlClient and Ctrl-C', () => {
  it('should end a stream cut short by Ctrl-C with the interrupt, not nothing', async () => {
    const interrupt = new AbortController();
    const client = new ControlClient(
      { url: await streamingPlatform(), token: 't' },
      { signal: interrupt.signal },
    );
    const frames: unknown[] = [];

    const deploy = client.stream('POST', '/deploy', {}, (frame) => {
      frames.push(frame);
      interrupt.abort(new InterruptedError('SIGINT'));
    });

    await expect(deploy).rejects.toBeInstanceOf(InterruptedError);
    expect(frames).toHaveLength(1);
  });

  it('should stop waiting at once when interrupted, and exit 130 without a message', async () => {
    const interrupt = new AbortController();
    const client = new ControlClient(
      { url: await silentPlatform(), token: 't' },
      { signal: interrupt.signal },
    );

    const status = client.get('/status');
    setTimeout(() => interrupt.abort(new InterruptedError('SIGINT')), 20);
    const error: unknown = await status.catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InterruptedError);
    const stderr = new PassThrough();
    expect(reportError(error, { stderr, env: {} })).toBe(130);
    expect(stderr.read()).toBeNull();
  });
});
