import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FlysimError } from '../../errors.js';

/**
 * The edge proxy's certificate: self-signed, for `localhost`, `127.0.0.1` and `::1`, on an
 * ECDSA P-256 key. Node can sign but has no API that writes a certificate, so this module encodes
 * the few DER structures a certificate needs itself; that keeps flysim free of a dependency and
 * of the `openssl` binary, which Debian does not install by default.
 */
export interface EdgeCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** True when this call wrote a new certificate; false when it reused the stored one. */
  readonly created: boolean;
}

const CERT_FILE = 'edge-cert.pem';
const KEY_FILE = 'edge-key.pem';
const FILE_MODE = 0o600;
const DAY_MS = 86_400_000;
/** Browsers refuse server certificates valid for longer than 398 days. */
const VALIDITY_DAYS = 397;
/** A stored certificate this close to expiry is replaced. */
const RENEW_BEFORE_MS = 7 * DAY_MS;

export const CERTIFICATE_HOSTS = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] } as const;

/** Loads the certificate kept in `<dir>`, or makes and stores a new one (files mode 0600). */
export async function ensureEdgeCertificate(
  dir: string,
  nowMs = Date.now(),
): Promise<EdgeCertificate> {
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  const stored = await readStored(certPath, keyPath, nowMs);
  if (stored) return { certPath, keyPath, ...stored, created: false };

  const fresh = createSelfSigned(nowMs);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writePrivate(keyPath, fresh.keyPem);
  await writePrivate(certPath, fresh.certPem);
  return { certPath, keyPath, ...fresh, created: true };
}

async function readStored(
  certPath: string,
  keyPath: string,
  nowMs: number,
): Promise<{ certPem: string; keyPem: string } | undefined> {
  let certPem: string;
  let keyPem: string;
  try {
    [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw unreadable(certPath, error);
  }

  if (!isUsable(certPem, keyPem, nowMs)) return undefined;
  await Promise.all([keepPrivate(certPath), keepPrivate(keyPath)]);
  return { certPem, keyPem };
}

function isUsable(certPem: string, keyPem: string, nowMs: number): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const fresh = Date.parse(cert.validTo) - RENEW_BEFORE_MS > nowMs;
    const hosts =
      cert.checkHost('localhost') !== undefined && cert.checkIP('127.0.0.1') !== undefined;
    return fresh && hosts && cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    // A file that does not parse is replaced, like an expired one.
    return false;
  }
}

async function keepPrivate(path: string): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o777) !== FILE_MODE) await chmod(path, FILE_MODE);
}

async function writePrivate(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: FILE_MODE });
  await rename(temporary, path);
}

/** A self-signed certificate and its key, both PEM. */
export function createSelfSigned(nowMs = Date.now()): { certPem: string; keyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const tbs = tbsCertificate(spki, nowMs);
  const signature = sign('sha256', tbs, privateKey);

  const der = seq(tbs, ECDSA_WITH_SHA256, bitString(signature));
  return {
    certPem: pem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function tbsCertificate(spki: Buffer, nowMs: number): Buffer {
  const name = distinguishedName('flysim edge proxy (localhost)');
  const validity = seq(utcTime(nowMs - DAY_MS), utcTime(nowMs + VALIDITY_DAYS * DAY_MS));
  const version = tlv(0xa0, integer(Buffer.from([2])));
  return seq(
    version,
    integer(serialNumber()),
    ECDSA_WITH_SHA256,
    name,
    validity,
    name,
    spki,
    extensions(),
  );
}

function extensions(): Buffer {
  const names = [
    ...CERTIFICATE_HOSTS.dns.map((host) => tlv(0x82, Buffer.from(host, 'ascii'))),
    ...CERTIFICATE_HOSTS.ips.map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  const list = seq(
    extension(OID.subjectAltName, false, seq(...names)),
    extension(OID.basicConstraints, true, seq()),
    extension(OID.keyUsage, true, tlv(0x03, Buffer.from([0x07, 0x80]))),
    extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
  );
  return tlv(0xa3, list);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  const flag = critical ? [tlv(0x01, Buffer.from([0xff]))] : [];
  return seq(oid(id), ...flag, tlv(0x04, value));
}

function distinguishedName(commonName: string): Buffer {
  const attribute = seq(oid(OID.commonName), tlv(0x0c, Buffer.from(commonName, 'utf8')));
  return seq(tlv(0x31, attribute));
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

const ECDSA_WITH_SHA256 = seq(oid(OID.ecdsaWithSha256));

function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  // Positive and without a leading zero byte, as RFC 5280 asks of serial numbers.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes;
}

function utcTime(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  if (ip.includes(':')) return ipv6Bytes(ip);
  return Buffer.from(ip.split('.').map(Number));
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail = ''] = ip.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const bytes = Buffer.alloc(16);
  [...headGroups, ...zeros, ...tailGroups].forEach((group, index) =>
    bytes.writeUInt16BE(parseInt(group, 16), index * 2),
  );
  return bytes;
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second, ...rest.flatMap(base128)];
  return tlv(0x06, Buffer.from(bytes));
}

function base128(value: number): number[] {
  const digits = [value & 0x7f];
  for (let rest = value >>> 7; rest > 0; rest >>>= 7) digits.unshift((rest & 0x7f) | 0x80);
  return digits;
}

function integer(bytes: Buffer): Buffer {
  const positive = (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return tlv(0x02, positive);
}

function bitString(bytes: Buffer): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
}

function seq(...parts: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(parts));
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x100) return Buffer.from([0x81, length]);
  return Buffer.from([0x82, length >> 8, length & 0xff]);
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

function unreadable(path: string, cause: unknown): FlysimError {
  return new FlysimError(
    'FLYSIM_PROXY_CERTIFICATE_UNREADABLE',
    `Could not read the edge proxy's certificate at ${path}: ${String(cause)}`,
    { cause, hint: `Fix the file's permissions, or delete it so flysim makes a new one` },
  );
}
