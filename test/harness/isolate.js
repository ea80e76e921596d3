'use strict';
/**
 * Command lines that run a program in namespaces of its own (`unshare`): the one place the
 * tests and the scripts beside them (test/reliability/, test/watch/) build them. Plain
 * JavaScript, because those scripts run under node without a TypeScript loader; the types are
 * in isolate.d.ts.
 */
const { spawn } = require('node:child_process');

/** The prefix that runs a command as uid/gid 65534, without supplementary groups. */
const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

const TCP_HASH_SETTING = '/proc/sys/net/ipv4/tcp_child_ehash_entries';

/**
 * `argv` run by `unshare` in the namespaces `iso` names. `loUp` and `setup` (shell) run first,
 * in the namespaces, then the program replaces the shell (so under `pid` it is PID 1 there, and
 * without `pid` the pid of what is spawned is the program's own).
 *
 * `tcpHash: N` gives the network namespace a TCP hash table of its own, of N buckets: an
 * intermediate namespace sets net.ipv4.tcp_child_ehash_entries for the namespaces made from it
 * (the host's setting is not touched). Without a table of its own a namespace shares the
 * host's, which every dump walks whole — tens of ms per dump on a big host, even for an empty
 * namespace. Kernels before 6.1 have no such setting: the namespace then shares the host's.
 */
function isolated(argv, iso) {
  const flags = [];
  if (iso.net) flags.push('--net');
  if (iso.mount) flags.push('--mount');
  if (iso.pid) flags.push('--pid', '--fork');
  if (iso.mountProc) flags.push('--mount-proc');
  // If unshare is killed, so is the namespaces' PID 1, and with it everything in them.
  if (iso.pid) flags.push('--kill-child');
  const first = [];
  if (iso.loUp) first.push('ip link set lo up');
  if (iso.setup) first.push(iso.setup);
  const inner = first.length === 0 ? ['unshare', ...flags, ...argv] : ['unshare', ...flags, 'sh', '-c', `set -e\n${first.join('\n')}\nexec "$@"`, 'sh', ...argv];
  if (!iso.tcpHash) return inner;
  const setting = `if [ -w ${TCP_HASH_SETTING} ]; then echo ${iso.tcpHash} > ${TCP_HASH_SETTING} || exit 1; fi; exec "$@"`;
  return ['unshare', '--net', 'sh', '-c', setting, 'sh', ...inner];
}

/**
 * For a script that re-runs itself isolated (test/reliability/, test/watch/churn.js): runs
 * `node [nodeFlags] script args` that way, passing its output through and its exit status on
 * to this process. Returns false (having said why) when not root.
 */
function rerunIsolated(name, script, args, iso, nodeFlags = []) {
  if (process.getuid() !== 0) {
    process.stderr.write(`${name}: needs root (unshare)\n`);
    process.exitCode = 2;
    return false;
  }
  const [command, ...rest] = isolated([process.execPath, ...nodeFlags, script, ...args], iso);
  spawn(command, rest, { stdio: 'inherit' }).on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  return true;
}

module.exports = { AS_NOBODY, isolated, rerunIsolated };
