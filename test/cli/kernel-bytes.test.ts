/**
 * Kernel text that is not valid UTF-8 prints byte for byte as net-tools
 * prints it: a UNIX path and an abstract name with bytes \377\376, and a
 * program whose argv[0] holds them (`-p`). Both programs run in one private
 * network namespace holding those sockets; stdout, stderr and status must be
 * identical. The library still gives readable text beside the bytes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist/cli.js');

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (unshare -n needs it)';
  for (const command of ['unshare', 'ip', 'python3', 'bash']) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) return `${command} not installed`;
  }
  if (!fs.existsSync('/usr/bin/netstat')) return 'net-tools netstat not installed';
  if (!fs.existsSync(CLI)) return 'dist/cli.js not built (npm run build)';
  return undefined;
}

const HOLDER = String.raw`
import os, socket, sys
d = sys.argv[1].encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(d + b'/s\xff\xfe'); s.listen()
a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); a.bind(b'\0abs\xff\xfe')
t = socket.socket(); t.bind(('127.0.0.1', 4321)); t.listen()
for k in (s, a, t): k.set_inheritable(True)
open(d + b'/ready', 'w').close()
# The sockets live on in a program whose argv[0] ends in \377\376: net-tools shows the base name's bytes.
os.execv('/bin/sleep', [b'/opt/py\xff\xfe', b'600'])
`;

const reason = unavailable();
if (reason !== undefined) console.log(`kernel-bytes tests skipped: ${reason}`);

describe.skipIf(reason !== undefined)('kernel bytes that are not UTF-8', () => {
  it('print exactly as net-tools prints them, with -p as well; JSON keeps them as base64', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-bytes-'));
    fs.chmodSync(dir, 0o755);
    const runs = [['-xa'], ['-xap'], ['-tlnp'], ['-axpW'], ['-ape']];
    const script = [
      'ip link set lo up',
      'python3 -c "$HOLDER" "$DIR" &',
      'i=0; while [ ! -f "$DIR/ready" ]; do sleep 0.05; i=$((i+1)); [ $i -gt 400 ] && exit 4; done',
      ...runs.map(
        (args, k) =>
          `/usr/bin/netstat ${args.join(' ')} >"$DIR/ref${k}.out" 2>"$DIR/ref${k}.err"; echo $? >"$DIR/ref${k}.rc"; ` +
          `node "$CLI" ${args.join(' ')} >"$DIR/cand${k}.out" 2>"$DIR/cand${k}.err"; echo $? >"$DIR/cand${k}.rc"`,
      ),
      'node "$CLI" -xa --ndjson >"$DIR/json.out"',
      'kill %1 2>/dev/null; true',
    ].join('\n');
    const result = spawnSync('unshare', ['-n', 'bash', '-c', script], {
      env: { ...process.env, HOLDER, DIR: dir, CLI, NETSTAT_ARGV0: '/usr/bin/netstat' },
      encoding: 'utf8',
    });
    try {
      expect(result.status, result.stderr).toBe(0);
      runs.forEach((args, k) => {
        for (const part of ['out', 'err', 'rc']) {
          const reference = fs.readFileSync(path.join(dir, `ref${k}.${part}`));
          const candidate = fs.readFileSync(path.join(dir, `cand${k}.${part}`));
          expect(candidate.toString('latin1'), `netstat ${args.join(' ')} (${part})`).toBe(reference.toString('latin1'));
        }
      });
      // The bytes are really there (the comparison is not between two replacement characters).
      const listing = fs.readFileSync(path.join(dir, 'ref1.out'));
      expect(listing.includes(Buffer.from('s\xff\xfe', 'latin1'))).toBe(true);
      expect(listing.includes(Buffer.from('@abs\xff\xfe', 'latin1'))).toBe(true);
      expect(listing.includes(Buffer.from('/py\xff\xfe ', 'latin1'))).toBe(true);
      const records = fs.readFileSync(path.join(dir, 'json.out'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      const abstract = records.find((r) => typeof r.path === 'string' && r.path.startsWith('@abs'));
      expect(abstract.path).toBe('@abs\ufffd\ufffd');
      expect(Buffer.from(abstract.pathBase64, 'base64')).toEqual(Buffer.from('@abs\xff\xfe', 'latin1'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
