/**
 * The systemd units of docs/exporter.md, taken from the page itself (so the
 * docs and this test cannot drift): `systemd-analyze verify` must accept them
 * as written (ExecStart pointed at this checkout), and each unit's
 * confinement is reproduced for real — systemd is not PID 1 here — and the
 * exporter must do under it what the page says:
 *
 * - `DynamicUser=yes`: an unprivileged uid from systemd's dynamic range, no
 *   groups (`setpriv --reuid --regid --clear-groups`);
 * - `CapabilityBoundingSet=` / `AmbientCapabilities=`: `setpriv
 *   --bounding-set`, `--inh-caps` and `--ambient-caps`;
 * - `NoNewPrivileges=yes`: `setpriv --no-new-privs`;
 * - `RestrictAddressFamilies=`: a seccomp filter on socket(2)
 *   (restrict-families.py, as systemd's own);
 * - `ProtectSystem=strict` + `ReadWritePaths=`: a private mount namespace
 *   whose root is read-only but for those paths.
 *
 * Each runs in a private network namespace holding known sockets of root's
 * (test/scenario/exporter.py). Root only; skipped with the reason when a tool is missing.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isolated } from '../harness/isolate';
import { EXPORTER, type Namespace, Processes, REPO, capture, distMissing, exitOf, hasCommand, namespaceUnavailable, samples, startNamespace, tempDir, waitFor } from './helpers';

const DOC = path.join(REPO, 'docs/exporter.md');
const RESTRICT_FAMILIES = path.join(__dirname, 'restrict-families.py');
/** A uid in systemd's DynamicUser= range (61184–65519) that no account has here. */
const DYNAMIC_UID = 61999;
const ESTABLISHED = 3;
const LISTENERS = 2;
/** exporter.py's sockets: its listeners (LISTENERS + 2), both ends of each connection, three UDP sockets. */
const HOLDER_SOCKETS = LISTENERS + 2 + 2 * ESTABLISHED + 3;

/** The unit files on the page: each ```ini block starts with a comment naming where it is installed. */
function unitFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of markdown.matchAll(/```ini\n([\s\S]*?)```/g)) {
    const text = m[1] as string;
    const where = /^# (\/etc\/systemd\/system\/\S+)\n/.exec(text);
    if (where !== null) files.set(where[1] as string, text);
  }
  return files;
}

/** The unit text for this checkout: `/usr/bin/netstat-exporter` is node running dist/exporter/main.js, and `replace` applied. */
function forCheckout(text: string, replace: ReadonlyArray<readonly [string, string]> = []): string {
  let out = text.replaceAll('ExecStart=/usr/bin/netstat-exporter ', `ExecStart=${process.execPath} ${EXPORTER} `);
  for (const [from, to] of replace) out = out.replaceAll(from, to);
  return out;
}

/**
 * The [Service] settings of a unit and its drop-ins, merged as systemd
 * merges the ones used here: each assignment adds to the setting's list, an
 * empty one resets it (so `ExecStart=` then `ExecStart=…` replaces the command).
 */
function serviceSettings(...texts: string[]): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const text of texts) {
    let section = '';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('[')) {
        section = line;
        continue;
      }
      if (section !== '[Service]') continue;
      const eq = line.indexOf('=');
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1).trim();
      if (value === '') settings.set(key, []);
      else settings.set(key, [...(settings.get(key) ?? []), value]);
    }
  }
  return settings;
}

function words(settings: Map<string, string[]>, key: string): string[] | undefined {
  const values = settings.get(key);
  return values === undefined ? undefined : values.flatMap((v) => v.split(/\s+/));
}

/** `CAP_SYS_PTRACE` → `sys_ptrace`, setpriv's spelling. */
const capName = (cap: string): string => cap.replace(/^CAP_/, '').toLowerCase();

/**
 * The command that runs the unit's ExecStart under its confinement (see the
 * top of the file), from inside `enter` (the namespace). Throws on a setting
 * of the unit this emulation does not know how to apply to the exporter.
 */
function confined(settings: Map<string, string[]>, enter: readonly string[]): string[] {
  const exec = settings.get('ExecStart') ?? [];
  if (exec.length !== 1) throw new Error(`a service needs exactly one ExecStart, got ${JSON.stringify(exec)}`);
  const command: string[] = [...enter];
  if (settings.get('ProtectSystem')?.at(-1) === 'strict') {
    // Everything read-only (the checkout, /tmp and /var live on / here), then each ReadWritePaths= writable again.
    const script = 'mount --make-rprivate / && mount -o bind,remount,ro / && while [ "$1" != -- ]; do mount --bind "$1" "$1" && mount -o bind,remount,rw "$1" || exit 125; shift; done; shift; exec "$@"';
    command.push(...isolated(['sh', '-c', script, 'sh', ...(words(settings, 'ReadWritePaths') ?? []), '--'], { mount: true }));
  }
  if (settings.get('DynamicUser')?.at(-1) !== 'yes') throw new Error('the units run as DynamicUser=yes');
  command.push('setpriv', `--reuid=${DYNAMIC_UID}`, `--regid=${DYNAMIC_UID}`, '--clear-groups');
  const bounding = words(settings, 'CapabilityBoundingSet');
  if (bounding !== undefined) command.push(`--bounding-set=${['-all', ...bounding.map((c) => `+${capName(c)}`)].join(',')}`);
  const ambient = words(settings, 'AmbientCapabilities') ?? [];
  if (ambient.length > 0) {
    const caps = ambient.map((c) => `+${capName(c)}`).join(',');
    command.push(`--inh-caps=${caps}`, `--ambient-caps=${caps}`);
  }
  if (settings.get('NoNewPrivileges')?.at(-1) === 'yes') command.push('--no-new-privs');
  const families = words(settings, 'RestrictAddressFamilies');
  if (families !== undefined) command.push('python3', RESTRICT_FAMILIES, families.join(','));
  command.push(...(exec[0] as string).split(/\s+/));
  return command;
}

/** systemd's PATH for services; the environment is otherwise empty, but for the backend forced on the test run (CI) and the engine's path. */
const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
function serviceEnv(options: { backend?: boolean } = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: SYSTEMD_PATH };
  for (const name of ['NETSTAT_NATIVE_PATH', ...(options.backend === false ? [] : ['NETSTAT_BACKEND'])]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return env;
}

/** The fields of /proc/PID/status the confinement sets. */
function statusOf(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):\s*(.*)$/.exec(line);
    if (m !== null) out[m[1] as string] = (m[2] as string).replace(/\s+/g, ' ').trim();
  }
  return out;
}

/** A capability mask as /proc/PID/status prints it. */
function mask(...bits: number[]): string {
  return bits.reduce((m, b) => m | (1n << BigInt(b)), 0n).toString(16).padStart(16, '0');
}
const CAP_DAC_READ_SEARCH = 2;
const CAP_SYS_PTRACE = 19;

/**
 * The series of TCP/UDP socket counts and listeners, from an exposition;
 * TIME_WAIT left out (a closed scrape connection lingers in it for a minute).
 */
function inetSeries(values: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...values].filter(([k]) => /^netstat_(sockets|listening_sockets)\{protocol="(tcp|udp)"/.test(k) && !k.includes('state="TIME_WAIT"')));
}

const docUnits = unitFiles(fs.readFileSync(DOC, 'utf8'));
const SERVICE = docUnits.get('/etc/systemd/system/netstat-exporter.service') ?? '';
const DROP_IN = docUnits.get('/etc/systemd/system/netstat-exporter.service.d/override.conf') ?? '';
const TEXTFILE = docUnits.get('/etc/systemd/system/netstat-textfile.service') ?? '';
const TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';

describe('docs/exporter.md', () => {
  it('holds the exporter unit, its --by-process drop-in and the textfile unit, each starting netstat-exporter', () => {
    expect([...docUnits.keys()].sort()).toEqual([
      '/etc/systemd/system/netstat-exporter.service',
      '/etc/systemd/system/netstat-exporter.service.d/override.conf',
      '/etc/systemd/system/netstat-textfile.service',
    ]);
    expect(serviceSettings(SERVICE).get('ExecStart')).toEqual(['/usr/bin/netstat-exporter --listen 127.0.0.1:9814']);
    expect(serviceSettings(SERVICE, DROP_IN).get('ExecStart')).toEqual(['/usr/bin/netstat-exporter --listen 127.0.0.1:9814 --by-process']);
    expect(serviceSettings(TEXTFILE).get('ExecStart')).toEqual([`/usr/bin/netstat-exporter --textfile ${TEXTFILE_DIR}/netstat.prom --interval 15`]);
  });
});

const missing = distMissing();
const verifyReason = missing ?? (hasCommand('systemd-analyze') ? undefined : 'systemd-analyze not installed');
if (verifyReason !== undefined) console.log(`systemd unit verification skipped: ${verifyReason}`);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function dir(): string {
  const d = tempDir('netstat-exporter-systemd-');
  dirs.push(d);
  return d;
}

/** Write units (relative path → text) into a fresh directory and run `systemd-analyze verify` on the services. */
function verify(files: Record<string, string>): SpawnSyncReturns<string> {
  const d = dir();
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, name)), { recursive: true });
    fs.writeFileSync(path.join(d, name), text);
  }
  const services = Object.keys(files).filter((name) => name.endsWith('.service')).map((name) => path.join(d, name));
  // --man=no: the units' Documentation= (none) is not looked up.
  return spawnSync('systemd-analyze', ['verify', '--man=no', ...services], { encoding: 'utf8', timeout: 60_000 });
}

describe.skipIf(verifyReason !== undefined)('systemd-analyze verify', () => {
  it('accepts both units and the drop-in as the page has them, without a warning', () => {
    const target = dir();
    const r = verify({
      'netstat-exporter.service': forCheckout(SERVICE),
      'netstat-exporter.service.d/override.conf': forCheckout(DROP_IN),
      'netstat-textfile.service': forCheckout(TEXTFILE, [[TEXTFILE_DIR, target]]),
    });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('would report a misspelt setting, and a drop-in command that does not reset the unit\'s', () => {
    // Unknown keys are warnings (status 0): the test above requires no output at all.
    const typo = verify({ 'netstat-exporter.service': forCheckout(SERVICE).replace('NoNewPrivileges=', 'NoNewPrivilege=') });
    expect(typo.stderr).toContain("Unknown key 'NoNewPrivilege' in section [Service]");
    const twice = verify({
      'netstat-exporter.service': forCheckout(SERVICE),
      'netstat-exporter.service.d/override.conf': forCheckout(DROP_IN).replace(/^ExecStart=\n/m, ''),
    });
    expect(twice.stderr).toContain('more than one ExecStart= setting');
    expect(twice.status).not.toBe(0);
  });
});

/** Why the confinement cannot be reproduced here, or undefined. */
function confinementUnavailable(): string | undefined {
  const ns = missing ?? namespaceUnavailable();
  if (ns !== undefined) return ns;
  for (const command of ['setpriv', 'mount']) if (!hasCommand(command)) return `${command} not installed`;
  const asUser = [`--reuid=${DYNAMIC_UID}`, `--regid=${DYNAMIC_UID}`, '--clear-groups'];
  const probe = spawnSync('setpriv', [...asUser, process.execPath, EXPORTER, '--version'], { env: serviceEnv() });
  if (probe.status !== 0) return `uid ${DYNAMIC_UID} cannot run the checkout (not world-readable)`;
  const seccomp = spawnSync('setpriv', [...asUser, 'python3', RESTRICT_FAMILIES, 'AF_UNIX', 'true'], { encoding: 'utf8', env: serviceEnv() });
  if (seccomp.status !== 0) return `no seccomp filter for RestrictAddressFamilies= as uid ${DYNAMIC_UID} (${seccomp.stderr.trim()}; needs python3 in ${SYSTEMD_PATH} and libseccomp2)`;
  return undefined;
}
const confineReason = confinementUnavailable();
if (confineReason !== undefined) console.log(`systemd unit confinement tests skipped: ${confineReason}`);

/** Which backend served a table, from `netstat_table_info`. */
function backendOf(values: Map<string, number>, table: string): string | undefined {
  const keys = [...values.keys()].filter((k) => k.startsWith(`netstat_table_info{table="${table}"`));
  return keys.length === 1 ? /backend="([^"]+)"/.exec(keys[0] as string)?.[1] : undefined;
}

/** The backend the tables come from: the forced one (CI), else the native engine's. */
const BACKEND = process.env.NETSTAT_BACKEND === 'procfs' ? 'procfs' : 'netlink';

describe.skipIf(confineReason !== undefined)('the units\' confinement, reproduced, in a private network namespace', () => {
  const processes = new Processes();
  let ns: Namespace;
  beforeAll(async () => {
    ns = await startNamespace(processes, ESTABLISHED, LISTENERS);
  }, 120_000);
  const running = new Processes();
  afterEach(() => running.killAll());
  afterAll(() => {
    processes.killAll();
    if (ns !== undefined) fs.rmSync(ns.dir, { recursive: true, force: true });
  });

  /** Start the unit's command confined; resolves once it listens. */
  async function serve(settings: Map<string, string[]>) {
    const [command, ...args] = confined(settings, ns.enter);
    const child = running.spawn(command as string, args, { env: serviceEnv() });
    const stderr = capture(child.stderr);
    await waitFor('the confined exporter to listen', 30_000, () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr.text()}`);
      return stderr.text().includes('listening on http://127.0.0.1:9814/metrics') ? true : undefined;
    }, 25);
    return { child, stderr: stderr.text };
  }

  /** The unit's command once more, with `args` in place of its own, confined likewise; run to its end. */
  function runConfined(settings: Map<string, string[]>, args: readonly string[]): SpawnSyncReturns<string> {
    const copy = new Map(settings);
    copy.set('ExecStart', [`${process.execPath} ${EXPORTER} ${args.join(' ')}`]);
    const [command, ...rest] = confined(copy, ns.enter);
    return spawnSync(command as string, rest, { encoding: 'utf8', timeout: 60_000, env: serviceEnv() });
  }

  it('netstat-exporter.service: a dynamic uid with no capability, no_new_privs, four address families; counts everything root counts; a port in use or below 1024 exits 1 with the reason; SIGTERM exits 0', async () => {
    const settings = serviceSettings(forCheckout(SERVICE));
    const { child, stderr } = await serve(settings);
    expect(statusOf(child.pid!)).toEqual({
      Uid: `${DYNAMIC_UID} `.repeat(4).trim(), Gid: `${DYNAMIC_UID} `.repeat(4).trim(), Groups: '',
      CapInh: mask(), CapPrm: mask(), CapEff: mask(), CapBnd: mask(), CapAmb: mask(),
      NoNewPrivs: '1', Seccomp: '2',
    });
    const asRoot = samples(ns.run(process.execPath, [EXPORTER, '--once']));
    const scrape = ns.http(9814, '/metrics');
    expect(scrape.status).toBe(200);
    const values = samples(scrape.body);
    // The sock_diag dumps are open to every user: the same series as root's, plus this scrape's connection (both ends).
    const expected = inetSeries(asRoot);
    const established = 'netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}';
    expected[established] = (expected[established] ?? 0) + 2;
    expect(inetSeries(values)).toEqual(expected);
    expect(values.get('netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(2 * ESTABLISHED + 2);
    expect(values.get('netstat_listening_sockets{protocol="tcp",family="inet",address_class="loopback",port="9814"}')).toBe(1);
    expect(backendOf(values, 'tcp/inet')).toBe(BACKEND);

    const inUse = runConfined(settings, ['--listen', '127.0.0.1:9814']);
    expect([inUse.status, inUse.stderr]).toEqual([1, 'netstat-exporter: cannot listen on 127.0.0.1:9814: the address is already in use (another exporter?)\n']);
    const low = runConfined(settings, ['--listen', '127.0.0.1:80']);
    expect([low.status, low.stderr]).toEqual([1, 'netstat-exporter: cannot listen on 127.0.0.1:80: permission denied (a port below 1024 needs CAP_NET_BIND_SERVICE)\n']);
    const bad = runConfined(settings, ['--bogus']);
    expect([bad.status, bad.stdout]).toEqual([2, '']);
    expect(bad.stderr).toBe("netstat-exporter: Unknown option '--bogus'\nTry 'netstat-exporter --help' for more information.\n");

    // KillSignal=SIGTERM: a clean stop, status 0 (Restart=on-failure leaves it stopped).
    expect(settings.get('KillSignal')).toEqual(['SIGTERM']);
    child.kill('SIGTERM');
    expect(await exitOf(child, 10_000)).toBe(0);
    expect(stderr()).toBe('netstat-exporter: listening on http://127.0.0.1:9814/metrics\nnetstat-exporter: SIGTERM: closing\n');
  }, 120_000);

  it('--by-process: without capabilities no socket of root\'s is attributed; with the drop-in\'s two ambient capabilities every one is', async () => {
    // The unit as it is, asked for --by-process: the dynamic user sees only its own processes.
    const bare = runConfined(serviceSettings(forCheckout(SERVICE)), ['--once', '--by-process']);
    expect(bare.stderr).toBe('');
    const bareValues = samples(bare.stdout);
    expect([...bareValues.keys()].filter((k) => k.startsWith('netstat_process_sockets{'))).toEqual([]);
    expect(bareValues.get('netstat_unowned_sockets')).toBeGreaterThanOrEqual(HOLDER_SOCKETS);

    const settings = serviceSettings(forCheckout(SERVICE), forCheckout(DROP_IN));
    const { child } = await serve(settings);
    const caps = mask(CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE);
    expect(statusOf(child.pid!)).toMatchObject({ Uid: `${DYNAMIC_UID} `.repeat(4).trim(), CapEff: caps, CapPrm: caps, CapAmb: caps, CapBnd: caps, NoNewPrivs: '1', Seccomp: '2' });
    const values = samples(ns.http(9814, '/metrics').body);
    // exporter.py runs as root: its sockets are attributed to it, every one (python3 too: the client end of this scrape).
    expect(values.get('netstat_process_sockets{program="python3"}')).toBe(HOLDER_SOCKETS + 1);
    // The exporter's own listener and its end of this scrape, under its name (node's argv[0] basename).
    expect(values.get(`netstat_process_sockets{program="${path.basename(process.execPath)}"}`)).toBe(2);
    child.kill('SIGTERM');
    expect(await exitOf(child, 10_000)).toBe(0);
  }, 120_000);

  it('netstat-textfile.service: writes the whole file where ReadWritePaths= allows and nowhere else, with AF_UNIX and AF_NETLINK only; SIGTERM exits 0', async () => {
    const target = dir();
    fs.chownSync(target, DYNAMIC_UID, DYNAMIC_UID);
    const settings = serviceSettings(forCheckout(TEXTFILE, [[TEXTFILE_DIR, target]]));
    expect(words(settings, 'RestrictAddressFamilies')).toEqual(['AF_UNIX', 'AF_NETLINK']);
    const [command, ...args] = confined(settings, ns.enter);
    const child = running.spawn(command as string, args, { env: serviceEnv() });
    const stderr = capture(child.stderr);
    const file = path.join(target, 'netstat.prom');
    await waitFor('the textfile', 30_000, () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr.text()}`);
      return fs.existsSync(file) ? true : undefined;
    }, 25);
    // --interval 15: the first write is made at once, the next in 15 s; stop before it.
    child.kill('SIGTERM');
    expect(await exitOf(child, 10_000)).toBe(0);
    expect(stderr.text()).toBe('');
    expect(fs.readdirSync(target)).toEqual(['netstat.prom']);
    expect(fs.statSync(file).uid).toBe(DYNAMIC_UID);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/\nnetstat_scrape_duration_seconds [0-9.e+-]+\n$/);
    const values = samples(text);
    expect(values.get('netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(2 * ESTABLISHED);
    expect(values.get('netstat_listening_sockets{protocol="tcp",family="inet",address_class="loopback",port="21000"}')).toBe(1);
    expect(backendOf(values, 'tcp/inet')).toBe(BACKEND);
    // The confinement is real: outside ReadWritePaths= nothing can be written, even where the user may.
    const other = dir();
    fs.chownSync(other, DYNAMIC_UID, DYNAMIC_UID);
    const elsewhere = runConfined(settings, ['--textfile', path.join(other, 'elsewhere.prom')]);
    expect(elsewhere.status).toBe(1);
    expect(elsewhere.stderr).toMatch(/^netstat-exporter: .*(EROFS|read-only file system)/);
  }, 120_000);

  it('without AF_NETLINK every table falls back to /proc, and netstat_table_info says so', () => {
    const settings = serviceSettings(forCheckout(SERVICE).replace(/^RestrictAddressFamilies=.*$/m, 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'));
    const copy = new Map(settings);
    copy.set('ExecStart', [`${process.execPath} ${EXPORTER} --once`]);
    const [command, ...rest] = confined(copy, ns.enter);
    // The backend left to choose (not forced): the native engine cannot open its sock_diag socket.
    const r = spawnSync(command as string, rest, { encoding: 'utf8', timeout: 60_000, env: serviceEnv({ backend: false }) });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const values = samples(r.stdout);
    expect(backendOf(values, 'tcp/inet')).toBe('procfs');
    // Still counted, from /proc/net/tcp.
    expect(values.get('netstat_sockets{protocol="tcp",family="inet",state="ESTABLISHED"}')).toBe(2 * ESTABLISHED);
  }, 60_000);
});
