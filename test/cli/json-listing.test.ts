/**
 * `netstat --json` / `--ndjson` for the socket listing: every document and
 * line validates against schema/socket.schema.json, holds the same sockets as
 * the text listing of the same options, keeps net-tools' stderr and status,
 * and with -c prints one document per pass.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { localListener } from '../harness/listener';

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist/cli.js');
const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'schema/socket.schema.json'), 'utf8'));
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NETSTAT_ARGV0: '/usr/bin/netstat' } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
};

describe.skipIf(!fs.existsSync(CLI))('the listing as JSON', () => {
  const listener = localListener();

  it.each([['-an'], ['-anp'], ['-tlnpe'], ['-xa'], ['-uwn'], ['-tanpo']])('netstat %s --json and --ndjson validate', (args) => {
    const doc = run(args, '--json');
    expect(doc.status).toBe(0);
    const lines = doc.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!);
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    const nd = run(args, '--ndjson');
    expect(nd.status).toBe(0);
    for (const line of nd.stdout.trimEnd().split('\n').filter(Boolean)) {
      const record = JSON.parse(line);
      expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('holds the sockets the text listing holds', () => {
    // The host's listeners can change between the two runs (other tests open some): take the pair again until it agrees.
    const pair = () => {
      const text = run('-tln');
      const doc = JSON.parse(run('-tln', '--json').stdout);
      const fromText = text.stdout
        .split('\n')
        .slice(2)
        .filter(Boolean)
        .map((line) => line.split(/\s+/)[3]!)
        .sort();
      const fromJson = (doc.inet as Array<{ family: string; localAddress: string; localPort: number }>)
        .map((s) => (s.family === 'inet6' && s.localAddress === '::' ? `:::${s.localPort}` : `${s.localAddress}:${s.localPort}`))
        .sort();
      return { doc, fromText, fromJson };
    };
    let attempt = pair();
    for (let i = 0; i < 4 && JSON.stringify(attempt.fromJson) !== JSON.stringify(attempt.fromText); i++) attempt = pair();
    const { doc, fromText, fromJson } = attempt;
    expect(fromJson).toEqual(fromText);
    expect(fromJson).toContain(`127.0.0.1:${listener.port()}`);
    const mine = doc.inet.find((s: { localPort: number }) => s.localPort === listener.port());
    expect(mine).toMatchObject({ protocol: 'tcp', state: 10, stateName: 'LISTEN', remotePort: 0 });
    expect(doc.tables.map((t: { table: string }) => t.table)).toEqual(['tcp/inet', 'tcp/inet6']);
  });

  it('keeps net-tools stderr and status, and prints nothing on stdout where net-tools prints no table', () => {
    const ref = spawnSync('/usr/bin/netstat', ['-A', 'ipx'], { encoding: 'utf8' });
    const ours = run('-A', 'ipx', '--json');
    expect({ stderr: ours.stderr, status: ours.status }).toEqual({ stderr: ref.stderr, status: ref.status });
  });

  it('--sources says which backend served each table on stderr, and changes nothing on stdout', () => {
    const plain = run('-tlnp');
    const told = run('-tlnp', '--sources');
    expect(told.stdout).toBe(plain.stdout);
    const said = told.stderr.split('\n').filter((line) => /^netstat: (tcp\/inet6?|owners): /.test(line));
    expect(said.map((line) => line.split(':')[1]!.trim()).sort()).toEqual(['owners', 'tcp/inet', 'tcp/inet6']);
    const backend = process.env.NETSTAT_BACKEND;
    if (backend === 'procfs' || backend === 'netlink') {
      expect(said.find((line) => line.startsWith('netstat: tcp/inet:'))).toContain(`: ${backend} (`);
    }
  });

  it('with -c: one document per pass', async () => {
    const child = spawn(process.execPath, [CLI, '-tln', '-c', '--json']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    const docs = out.trimEnd().split('\n');
    expect(docs.length).toBeGreaterThanOrEqual(2);
    for (const d of docs) expect(JSON.parse(d).mode).toBe('sockets');
  });
});
