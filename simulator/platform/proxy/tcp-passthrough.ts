import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * The `tls`-only and no-handler ports (§4.2): bytes relayed as they are, TLS already ended by
 * the listener when it has the `tls` handler. `onEnd` runs once, when either side closes.
 */
export function relayTcp(
  client: Duplex,
  address: string,
  onEnd: (error: Error | undefined) => void,
): void {
  const [host = '127.0.0.1', port = '0'] = splitAddress(address);
  const upstream: Socket = connect({ host, port: Number(port) });
  let ended = false;
  const end = (error: Error | undefined): void => {
    if (ended) return;
    ended = true;
    client.destroy();
    upstream.destroy();
    onEnd(error);
  };

  upstream.on('error', (error) => end(error));
  client.on('error', () => end(undefined));
  upstream.on('close', () => end(undefined));
  client.on('close', () => end(undefined));
  client.pipe(upstream);
  upstream.pipe(client);
}

function splitAddress(address: string): [string, string] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), address.slice(colon + 1)];
}
