import { describe, expect, it } from 'vitest';
import { parseProcNetTcp, unreachablePorts } from './listen-address.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1
   2: 0100007F:1F90 0100007F:A2C4 01 00000000:00000000 00:00000000 00000000  1000        0 3 1
  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000
   1: 00000000000000000000000001000000:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000
`;

describe('the listen-address check', () => {
  it('should read LISTEN sockets from /proc/net/tcp and tcp6, skipping connections', () => {
    expect(parseProcNetTcp(TCP)).toEqual([
      { address: '127.0.0.1', port: 8080 },
      { address: '0.0.0.0', port: 22 },
      { address: '::', port: 8081 },
      { address: '::1', port: 8082 },
    ]);
  });

  it('should count only non-loopback listeners as reachable by the proxy', () => {
    const sockets = parseProcNetTcp(TCP);
    expect(unreachablePorts(sockets, [8080, 8081, 8082, 22])).toEqual([8080, 8082]);
  });
});
