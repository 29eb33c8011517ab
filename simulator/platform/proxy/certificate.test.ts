import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSelfSigned, ensureEdgeCertificate } from './certificate.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flysim-cert-'));
  dirs.push(dir);
  return dir;
}

describe('the edge certificate', () => {
  it('should be self-signed for localhost, 127.0.0.1 and ::1, and valid for at most 398 days', () => {
    const { certPem } = createSelfSigned();
    const cert = new X509Certificate(certPem);

    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkHost('example.com')).toBeUndefined();
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(390);
    expect(days).toBeLessThan(398);
  });

  it('should be stored with mode 0600 and reused by the next platform', async () => {
    const dir = await tempDir();
    const first = await ensureEdgeCertificate(dir);
    const second = await ensureEdgeCertificate(dir);

    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.certPem).toBe(first.certPem);
    expect((await stat(first.certPath)).mode & 0o777).toBe(0o600);
    expect((await stat(first.keyPath)).mode & 0o777).toBe(0o600);
  });

  it('should tighten a stored file whose mode was loosened', async () => {
    const dir = await tempDir();
    const first = await ensureEdgeCertificate(dir);
    await chmod(first.keyPath, 0o644);

    await ensureEdgeCertificate(dir);
    expect((await stat(first.keyPath)).mode & 0o777).toBe(0o600);
  });

  it('should replace a certificate that is about to expire or does not parse', async () => {
    const dir = await tempDir();
    const first = await ensureEdgeCertificate(dir);
    const nextYear = Date.now() + 395 * 86_400_000;
    const renewed = await ensureEdgeCertificate(dir, nextYear);
    expect(renewed.created).toBe(true);

    await writeFile(first.certPath, 'not a certificate');
    expect((await ensureEdgeCertificate(dir)).created).toBe(true);
  });

  it('should be trusted by a TLS client given it as the only CA', async () => {
    const { certPem, keyPem } = createSelfSigned();
    const server: Server = createServer({ cert: certPem, key: keyPem }, (_req, res) =>
      res.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    try {
      for (const host of ['localhost', '127.0.0.1']) {
        const body = await new Promise<string>((resolve, reject) => {
          const req = request({ host, port, ca: certPem, path: '/' }, (res) => {
            res.setEncoding('utf8');
            let text = '';
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve(text));
          });
          req.on('error', reject);
          req.end();
        });
        expect(body).toBe('ok');
      }
    } finally {
      server.close();
    }
  });
});
