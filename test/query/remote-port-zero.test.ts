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
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InetSocket, listSockets } from '../../src/index';
import { loadNative } from '../../src/native';

const HOLDER = `
import socket, subprocess, sys, time
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
held = []
def repaired(family, addr, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, 19, 1)   # TCP_REPAIR: connect() without a handshake; never sends
    s.bind((addr, port)); s.connect((addr, 0)); held.append(s)
repaired(socket.AF_INET, "127.0.0.1", 41000)
repaired(socket.AF_INET6, "::1", 41001)
l = socket.socket(); l.bind(("127.0.0.1", 41002)); l.listen(4); held.append(l)
c = socket.create_connection(("127.0.0.1", 41002)); a, _ = l.accept(); held += [c, a]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 41003)); u.connect(("127.0.0.1", 0)); held.append(u)
v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); v.bind(("127.0.0.1", 41004)); held.append(v)
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, 89); r.bind(("127.0.0.1", 0)); r.connect(("127.0.0.2", 0)); held.append(r)
w = socket.socket(socket.AF_INET, socket.SOCK_RAW, 253); held.append(w)
print("ready", flush=True)
sys.stdin.read()
`;

function unavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (TCP_REPAIR and a network namespace)';
  return null;
}

const reason = unavailable();
if (reason) console.warn(`[remote-port-zero] skipped: ${reason}`);
const nativeLoads = 'binding' in loadNative();
if (!nativeLoads) console.log('[remote-port-zero] netlink backend cases skipped: the native engine does not load here');
const BACKENDS = nativeLoads ? (['netlink', 'procfs'] as const) : (['procfs'] as const);

describe.skipIf(reason !== null)('net-tools servers: remote port 0 (TCP), all-zero remote address (UDP, RAW)', () => {
  let holder: ChildProcess;
  let netns = '';
  beforeAll(async () => {
    holder = spawn('unshare', ['--net', 'python3', '-c', HOLDER], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.once('error', reject);
      holder.once('exit', (code) => reject(new Error(`the socket holder exited (${code})`)));
      holder.stdout!.once('data', () => resolve());
    });
    netns = `/proc/${holder.pid}/ns/net`;
  });
  afterAll(() => {
    holder?.stdin?.end();
    holder?.kill();
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
