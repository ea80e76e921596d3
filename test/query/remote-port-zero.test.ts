/**
 * net-tools' "server" rules (`-l`), on real sockets that break the usual
 * pattern, on both backends:
 *  - TCP: a server is a socket with remote port 0, whatever its state. A
 *    connected socket can have remote port 0 (TCP_REPAIR lets connect() set
 *    any peer without a handshake), and then it is listed under `-l` and
 *    left out of the default listing. The netlink backend must not ask the
 *    kernel for LISTEN sockets only.
 *  - UDP and RAW: a server is a socket whose remote address is all zeroes;
 *    a UDP socket connected to port 0 of an address is not one.
 * The sockets live in a private network namespace (TCP_REPAIR needs
 * CAP_NET_ADMIN), read through the library's `netns` option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InetSocket, listSockets } from '../../src/index';
import { loadNative } from '../../src/native';
import { type Holder, startScenario } from '../harness/namespaces';
import { skipReason } from '../harness/needs';

const reason = skipReason('[remote-port-zero]', { unshare: ['net'], commands: ['python3'] });
const nativeLoads = 'binding' in loadNative();
if (!nativeLoads) console.log('[remote-port-zero] netlink backend cases skipped: the native engine does not load here');
const BACKENDS = nativeLoads ? (['netlink', 'procfs'] as const) : (['procfs'] as const);

describe.skipIf(reason !== undefined)('net-tools servers: remote port 0 (TCP), all-zero remote address (UDP, RAW)', () => {
  let holder: Holder;
  let netns = '';
  // The sockets: test/scenario/repaired.py.
  beforeAll(async () => {
    holder = await startScenario('repaired', {}, { isolation: { net: true, loUp: true } });
    netns = `/proc/${holder.pid}/ns/net`;
  });
  afterAll(async () => {
    await holder?.stop();
  });

  const rows = async (backend: 'netlink' | 'procfs', selection: 'listening' | 'connected' | 'all', protocols: ('tcp' | 'udp' | 'raw')[]) => {
    const list = await listSockets({ netns, backend, selection, protocols, families: ['inet', 'inet6'] });
    return (list.inet as InetSocket[])
      .map((s) => `${s.protocol} ${s.localPort}>${s.remoteAddress}:${s.remotePort} ${s.stateName ?? ''}`.trim())
      .sort();
  };

  describe.each(BACKENDS)('backend %s', (backend) => {
    it('-l lists TCP sockets with remote port 0 in any state; the default listing leaves them out', async () => {
      expect(await rows(backend, 'listening', ['tcp'])).toEqual([
        'tcp 41000>127.0.0.1:0 ESTABLISHED',
        'tcp 41001>::1:0 ESTABLISHED',
        'tcp 41002>0.0.0.0:0 LISTEN',
      ]);
      const connected = await rows(backend, 'connected', ['tcp']);
      expect(connected.some((r) => r.includes(':0 '))).toBe(false);
      expect(connected).toHaveLength(2); // the handshaken pair
      expect(await rows(backend, 'all', ['tcp'])).toHaveLength(5);
    });

    it('UDP and RAW servers have an all-zero remote address: a peer at port 0 is a connection', async () => {
      expect(await rows(backend, 'listening', ['udp'])).toEqual(['udp 41004>0.0.0.0:0 CLOSE']);
      expect(await rows(backend, 'connected', ['udp'])).toEqual(['udp 41003>127.0.0.1:0 ESTABLISHED']);
      const raw = await rows(backend, 'listening', ['raw']);
      expect(raw.every((r) => r.includes('>0.0.0.0:'))).toBe(true);
      expect(raw).toHaveLength(1);
      expect(await rows(backend, 'connected', ['raw'])).toEqual([expect.stringMatching(/^raw \d+>127\.0\.0\.2:0/)]);
    });
  });
});
