/**
 * The library as an ordinary user (uid 65534): sock_diag dumps need no
 * privilege, so every socket is listed; the fd walk cannot read other users'
 * processes, so their sockets have no owner (`pid: null`) and the walk says
 * how many processes it could not read — no error, no crash.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '../..');

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (needed to switch to uid 65534)';
  if (spawnSync('sh', ['-c', 'command -v setpriv']).status !== 0) return 'setpriv not installed';
  if (!fs.existsSync(path.join(REPO, 'dist/index.js'))) return 'dist/ not built';
  const readable = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', path.join(REPO, 'dist/index.js')]);
  if (readable.status !== 0) return 'the checkout is not readable by uid 65534';
  return undefined;
}

const SCRIPT = `
const api = require(process.argv[1]);
(async () => {
  const port = Number(process.argv[2]);
  const list = await api.listSockets({ protocols: ['tcp'], localPort: port, owners: true });
  const listeners = await api.findListeners(port);
  const counts = await api.countSockets({ protocols: ['tcp'], localPort: port }, { by: ['state', 'pid'] });
  console.log(JSON.stringify({ list, listeners, counts }));
})().catch((e) => { console.error(e.code, e.message); process.exit(2); });
`;

const reason = unavailable();
if (reason !== undefined) console.log(`non-root library tests skipped: ${reason}`);

describe.skipIf(reason !== undefined)('the library as uid 65534', () => {
  let server: net.Server;
  let port = 0;
  beforeAll(async () => {
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('lists a root-owned listener without its owner, and reports the unreadable processes', () => {
    const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', SCRIPT, REPO, String(port)], {
      encoding: 'utf8',
      env: { ...process.env, HOME: '/' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const { list, listeners, counts } = JSON.parse(result.stdout);
    expect(list.inet).toHaveLength(1);
    expect(list.inet[0]).toMatchObject({ localPort: port, stateName: 'LISTEN', uid: 0, pid: null, program: null, owners: [] });
    expect(list.ownerWalk.denied).toBeGreaterThan(0);
    expect(listeners.map((s: { localPort: number }) => s.localPort)).toEqual([port]);
    expect(counts.groups).toEqual([{ state: 'LISTEN', pid: null, count: 1 }]);
  });
});
