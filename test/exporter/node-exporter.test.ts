/**
 * Real components: a real node_exporter (Debian `prometheus-node-exporter`)
 * serves the exporter's --textfile output through its textfile collector,
 * every series and HELP text as written, with no parse error; rewritten with
 * --interval, it serves the new file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { EXPORTER, type Namespace, Processes, capture, distMissing, exitOf, hasCommand, namespaceUnavailable, startNamespace, tempDir, waitFor } from './helpers';

const NODE_EXPORTER = 'prometheus-node-exporter';
// node_exporter listens in a private network namespace: a listener in the host's would show in
// other test files' live listings running beside this one.
const reason = distMissing() ?? (hasCommand(NODE_EXPORTER) ? undefined : `${NODE_EXPORTER} not installed (Debian package prometheus-node-exporter)`) ?? namespaceUnavailable();
if (reason !== undefined) console.log(`node_exporter textfile tests skipped: ${reason}`);

/** Samples keyed by name and sorted labels (node_exporter sorts label names). */
function canonical(exposition: string, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const name = brace < 0 ? line.slice(0, space) : line.slice(0, brace);
    const labels = brace < 0 ? [] : [...line.slice(brace, space).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}=${m[2]}`).sort();
    out.set(`${name}{${labels.join(',')}}`, Number(line.slice(space + 1)));
  }
  return out;
}

function helps(exposition: string): string[] {
  return exposition.split('\n').filter((l) => l.startsWith('# HELP netstat_')).sort();
}

describe.skipIf(reason !== undefined)('node_exporter serving the --textfile output', () => {
  const processes = new Processes();
  const dir = tempDir('netstat-exporter-textfile-');
  const target = path.join(dir, 'netstat.prom');
  let ns: Namespace;
  let nextPort = 9100;
  beforeAll(async () => {
    ns = await startNamespace(processes, 1, 1);
  }, 120_000);
  afterAll(() => {
    processes.killAll();
    fs.rmSync(dir, { recursive: true, force: true });
    if (ns !== undefined) fs.rmSync(ns.dir, { recursive: true, force: true });
  });

  /** node_exporter with only the textfile collector, in the namespace; returns a function fetching its /metrics. */
  async function startNodeExporter(): Promise<() => string> {
    const port = nextPort++;
    const child = processes.spawn(ns.enter[0] as string, [
      ...ns.enter.slice(1),
      NODE_EXPORTER,
      '--collector.disable-defaults',
      '--collector.textfile',
      `--collector.textfile.directory=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ]);
    const log = capture(child.stderr);
    const get = (): string => {
      const reply = ns.http(port, '/metrics');
      if (reply.status !== 200) throw new Error(`node_exporter answered ${reply.status}`);
      return reply.body;
    };
    await waitFor('node_exporter to answer', 20_000, () => {
      if (child.exitCode !== null) throw new Error(`node_exporter exited with ${child.exitCode}: ${log.text()}`);
      return get() === '' ? undefined : true;
    });
    return get;
  }

  it('serves every series and HELP text as written, without a textfile error', async () => {
    const written = spawnSync(process.execPath, [EXPORTER, '--textfile', target], { encoding: 'utf8', timeout: 60_000 });
    expect(written.status).toBe(0);
    const file = fs.readFileSync(target, 'utf8');
    const served = (await startNodeExporter())();
    expect(canonical(served, 'node_textfile_scrape_error').get('node_textfile_scrape_error{}')).toBe(0);
    const expected = canonical(file, 'netstat_');
    expect(expected.size).toBeGreaterThan(10);
    expect(canonical(served, 'netstat_')).toEqual(expected);
    expect(helps(served)).toEqual(helps(file));
    expect(served).toContain(`node_textfile_mtime_seconds{file="${target}"}`);
  }, 60_000);

  it('serves each new file --interval writes', async () => {
    const get = await startNodeExporter();
    const durationOf = (): number | undefined => canonical(get(), 'netstat_scrape_duration_seconds').get('netstat_scrape_duration_seconds{}');
    const before = durationOf();
    const child = processes.spawn(process.execPath, [EXPORTER, '--textfile', target, '--interval', '0.2']);
    // Each write has its own collection time; node_exporter re-reads the file on every scrape.
    const seen = new Set<number | undefined>([before]);
    await waitFor('three new files served', 30_000, () => {
      seen.add(durationOf());
      return seen.size >= 4 ? true : undefined;
    }, 150);
    child.kill('SIGTERM');
    expect(await exitOf(child, 10_000)).toBe(0);
    expect(canonical(get(), 'node_textfile_scrape_error').get('node_textfile_scrape_error{}')).toBe(0);
  }, 60_000);
});
