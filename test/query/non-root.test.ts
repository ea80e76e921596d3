/**
 * The library as an ordinary user (uid 65534): sock_diag dumps need no
 * privilege, so every socket is listed; the fd walk cannot read other users'
 * processes, so their sockets have no owner (`pid: null`) and the walk says
 * how many processes it could not read, and which (`unreadableOwners`) —
 * no error, no crash.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localListener } from '../harness/listener';
import { unavailable as missingNeed } from '../harness/needs';

const REPO = path.resolve(__dirname, '../..');

function unavailable(): string | undefined {
  // Root: to switch to uid 65534.
  const missing = missingNeed({ root: true, commands: ['setpriv'], built: true });
  if (missing !== undefined) return missing;
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
  // Which processes' fds this user cannot read, seen after the listing (one that came or went meanwhile may differ).
  const fs = require('node:fs');
  const unreadableNow = fs.readdirSync('/proc').filter((pid) => /^[0-9]+$/.test(pid)).filter((pid) => {
    try { fs.opendirSync('/proc/' + pid + '/fd').closeSync(); return false; } catch (e) { return e.code === 'EACCES'; }
  }).map(Number);
  console.log(JSON.stringify({ list, listeners, counts, self: process.pid, unreadableNow }));
})().catch((e) => { console.error(e.code, e.message); process.exit(2); });
`;

const reason = unavailable();
if (reason !== undefined) console.log(`non-root library tests skipped: ${reason}`);

describe.skipIf(reason !== undefined)('the library as uid 65534', () => {
  const listener = localListener();

  it('lists a root-owned listener without its owner, and reports the unreadable processes', () => {
    const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', SCRIPT, REPO, String(listener.port())], {
      encoding: 'utf8',
      env: { ...process.env, HOME: '/' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const { list, listeners, counts, self, unreadableNow } = JSON.parse(result.stdout);
    expect(list.inet).toHaveLength(1);
    expect(list.inet[0]).toMatchObject({ localPort: listener.port(), stateName: 'LISTEN', uid: 0, pid: null, program: null, owners: [] });
    expect(list.ownerWalk.denied).toBeGreaterThan(0);
    // Which processes could not be read, and why: this test's own (root) process among them, every
    // one counted in `denied` named once, none of them one this user can read (unless its PID was
    // reused since) and not the caller itself. The query wants one socket, so the walk stops early
    // and only checks the remaining processes: they are named too.
    const unreadable: Array<{ pid: number; code: string }> = list.unreadableOwners;
    expect(unreadable).toContainEqual({ pid: process.pid, code: 'EACCES' });
    expect(unreadable).toHaveLength(list.ownerWalk.denied);
    expect(new Set(unreadable.map((o) => o.pid)).size).toBe(unreadable.length);
    expect(unreadable.every((o) => o.code === 'EACCES')).toBe(true);
    expect(unreadable.map((o) => o.pid)).not.toContain(self);
    const stillThere = unreadable.filter((o) => fs.existsSync(`/proc/${o.pid}`)).map((o) => o.pid);
    const readableNow = stillThere.filter((pid) => !unreadableNow.includes(pid));
    expect(readableNow.length).toBeLessThanOrEqual(2); // PIDs reused meanwhile (other tests start processes)
    expect(stillThere.filter((pid) => unreadableNow.includes(pid)).length).toBeGreaterThan(0);
    expect(listeners.map((s: { localPort: number }) => s.localPort)).toEqual([listener.port()]);
    expect(counts.groups).toEqual([{ state: 'LISTEN', pid: null, count: 1 }]);
  });
});
