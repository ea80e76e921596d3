/**
 * One listing, as the stress checks see it (stress.js): rows reduced to what
 * the checks use — protocol, ports, state, owner, and a key that names the
 * socket — from the CLI's text (ours or net-tools') or the library's records.
 *
 * Keys: the library's own `socketKey` (the cookie on netlink; protocol,
 * addresses, ports and inode on /proc); for CLI text, which shows no cookie,
 * the protocol with both addresses for an Internet socket (a connection's
 * 4-tuple is unique in a namespace, in whatever state) and the inode for a
 * UNIX socket.
 */
'use strict';

/** `127.0.0.1:80` → ['127.0.0.1', 80]; `0.0.0.0:*` → port 0. */
function splitAddress(text) {
  const colon = text.lastIndexOf(':');
  const port = text.slice(colon + 1);
  return [text.slice(0, colon), port === '*' ? 0 : Number(port)];
}

/** `1234/python3` → [1234, 'python3']; `-` → [null, null]. */
function splitOwner(text) {
  const slash = text.indexOf('/');
  if (text === '-' || slash < 0) return [null, null];
  return [Number(text.slice(0, slash)), text.slice(slash + 1)];
}

const INET_LINE = /^(tcp|udp|udpl|raw)6?\s/;
const UNIX_LINE = /^unix\s+\d+\s+\[[^\]]*\]\s+\S+\s+(?:\S+\s+)?(\d+)\s+(\S+)/;

/**
 * The rows of `netstat -…p` output (Internet and UNIX sections). Lines that
 * are neither (headers) are skipped; a line that looks like a row but cannot
 * be read is returned in `unreadable`.
 */
function rowsOfCliText(text) {
  const rows = [];
  const unreadable = [];
  for (const line of text.split('\n')) {
    if (INET_LINE.test(line)) {
      const f = line.trim().split(/\s+/);
      // Proto Recv-Q Send-Q Local Foreign [State] PID/Program (UDP may have no state)
      if (f.length !== 6 && f.length !== 7) {
        unreadable.push(line);
        continue;
      }
      const [localAddress, localPort] = splitAddress(f[3]);
      const [remoteAddress, remotePort] = splitAddress(f[4]);
      const [pid, program] = splitOwner(f[f.length - 1]);
      rows.push({ protocol: f[0], localAddress, localPort, remoteAddress, remotePort, state: f.length === 7 ? f[5] : '', pid, program, key: `${f[0]} ${f[3]} ${f[4]}` });
    } else if (line.startsWith('unix ')) {
      const m = UNIX_LINE.exec(line);
      if (m === null) {
        unreadable.push(line);
        continue;
      }
      const [pid, program] = splitOwner(m[2]);
      rows.push({ protocol: 'unix', localPort: 0, remotePort: 0, state: '', pid, program, key: `unix ${m[1]}` });
    }
  }
  return { rows, unreadable };
}

/** The rows of a library SocketList (`owners: true`), keyed by `socketKey`. */
function rowsOfList(list, socketKey) {
  const rows = [];
  for (const s of list.inet) {
    rows.push({
      protocol: s.family === 'inet6' ? `${s.protocol}6` : s.protocol,
      localAddress: s.localAddress,
      localPort: s.localPort,
      remoteAddress: s.remoteAddress,
      remotePort: s.remotePort,
      state: s.stateName,
      pid: s.pid ?? null,
      program: s.program ?? null,
      key: socketKey('inet', s),
    });
  }
  for (const s of list.unix) {
    rows.push({ protocol: 'unix', localPort: 0, remotePort: 0, state: s.stateName, pid: s.pid ?? null, program: s.program ?? null, key: socketKey('unix', s) });
  }
  return rows;
}

/** Keys met more than once, with how often and in which states. */
function duplicateKeys(rows) {
  const seen = new Map();
  for (const r of rows) {
    const states = seen.get(r.key);
    if (states === undefined) seen.set(r.key, [r.state]);
    else states.push(r.state);
  }
  return [...seen].filter(([, states]) => states.length > 1).map(([key, states]) => ({ key, times: states.length, states }));
}

module.exports = { rowsOfCliText, rowsOfList, duplicateKeys };
