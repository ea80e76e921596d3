/**
 * For the reliability scripts (stress.js, memory.js): run a script again as
 * PID 1 of private network, PID and mount namespaces (a /proc of their own,
 * so the fd walk sees only the script and what it starts), the network
 * namespace with a TCP hash table of its own.
 *
 * The table: a namespace made directly shares the host's, which every TCP
 * dump walks whole (tens of ms on a big host, even for an empty namespace),
 * so what a run measures would depend on the host. An intermediate namespace
 * sets net.ipv4.tcp_child_ehash_entries for the ones made from it (the
 * host's setting is not touched; kernels before 6.1 lack it and share).
 */
'use strict';
const { spawn } = require('node:child_process');

const SETTING = '/proc/sys/net/ipv4/tcp_child_ehash_entries';

/**
 * Runs `node [nodeFlags] script args --inside` there (`buckets` 0: share the
 * host's table), passing its output through and its exit status on to this
 * process. Returns false (having said why) when not root.
 */
function rerunInNamespaces(name, script, args, { buckets = 16384, nodeFlags = [] } = {}) {
  if (process.getuid() !== 0) {
    process.stderr.write(`${name}: needs root (unshare)\n`);
    process.exitCode = 2;
    return false;
  }
  // --kill-child: if unshare is killed, so is the namespaces' PID 1, and with it everything in them.
  const inner = ['unshare', '-n', '-p', '-f', '--kill-child', '--mount-proc', process.execPath, ...nodeFlags, script, ...args, '--inside'];
  const command = buckets > 0
    ? ['unshare', '-n', 'sh', '-c', `if [ -w ${SETTING} ]; then echo ${buckets} > ${SETTING} || exit 1; fi; exec "$@"`, 'sh', ...inner]
    : inner;
  spawn(command[0], command.slice(1), { stdio: 'inherit' }).on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
  return true;
}

module.exports = { rerunInNamespaces };
