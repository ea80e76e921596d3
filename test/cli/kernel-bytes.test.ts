/**
 * Kernel text that is not valid UTF-8 prints byte for byte as net-tools
 * prints it: a UNIX path and an abstract name with bytes \377\376, and a
 * program whose argv[0] holds them (`-p`). Both programs run in one private
 * network namespace holding those sockets; stdout, stderr and status must be
 * identical. The library still gives readable text beside the bytes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { asRun, runBatch } from '../harness/batch';
import { ORACLE_ENV } from '../harness/commands';
import { skipReason } from '../harness/needs';
import { CLI, ORACLE } from '../harness/paths';

const reason = skipReason('kernel-bytes tests', { unshare: ['net'], commands: ['ip', 'python3'], oracle: true, built: true });

describe.skipIf(reason !== undefined)('kernel bytes that are not UTF-8', () => {
  it('print exactly as net-tools prints them, with -p as well; JSON keeps them as base64', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-bytes-'));
    fs.chmodSync(dir, 0o755);
    const runs = [['-xa'], ['-xap'], ['-tlnp'], ['-axpW'], ['-ape']];
    const env = { ...process.env, NETSTAT_ARGV0: '/usr/bin/netstat' };
    try {
      // The sockets (test/scenario/odd_bytes.py) live in a program whose argv[0] ends in \377\376.
      const steps = await runBatch(
        {
          scenario: { name: 'odd_bytes', args: { dir } },
          steps: [
            ...runs.map((args) => ({ runs: [{ argv: [ORACLE, ...args], env: ORACLE_ENV }, { argv: [process.execPath, CLI, ...args], env }] })),
            { runs: [{ argv: [process.execPath, CLI, '-xa', '--ndjson'], env }] },
          ],
        },
        { net: true, loUp: true },
      );
      runs.forEach((args, k) => {
        const [reference, candidate] = steps[k]!.runs.map(asRun);
        expect(candidate, `netstat ${args.join(' ')}`).toEqual(reference);
      });
      // The bytes are really there (the comparison is not between two replacement characters).
      const listing = Buffer.from(steps[1]!.runs[0]!.stdout, 'latin1');
      expect(listing.includes(Buffer.from('s\xff\xfe', 'latin1'))).toBe(true);
      expect(listing.includes(Buffer.from('@abs\xff\xfe', 'latin1'))).toBe(true);
      expect(listing.includes(Buffer.from('/py\xff\xfe ', 'latin1'))).toBe(true);
      const json = Buffer.from(steps[runs.length]!.runs[0]!.stdout, 'latin1').toString('utf8');
      const records = json.trim().split('\n').map((line) => JSON.parse(line));
      const abstract = records.find((r) => typeof r.path === 'string' && r.path.startsWith('@abs'));
      expect(abstract.path).toBe('@abs\ufffd\ufffd');
      expect(Buffer.from(abstract.pathBase64, 'base64')).toEqual(Buffer.from('@abs\xff\xfe', 'latin1'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
