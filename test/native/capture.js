'use strict';
// Takes sock_diag dumps and copies the /proc/net tables, back to back, inside a network
// namespace holding a socket scenario, so that both backends can later be run over the same
// moment of the same namespace. Two forms:
//
//   node capture.js packed ADDON OUTFILE REQUESTS_JSON
//     every dump the netlink backend may ask for (REQUESTS_JSON: [[family, protocol, states,
//     withInfo], ...]) as the engine's packed rows, the UNIX dump, and the tables, into one JSON
//     file (the contract suite, test/native/netns.ts);
//   node capture.js record ADDON OUTDIR
//     the reply bytes of fixtures/netlink/'s requests, exactly as recvmsg returned them, the
//     tables and meta.json, into OUTDIR (fixtures/netlink/record.sh; never run by hand on a
//     host whose sockets you do not want in a fixture).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [mode, addonPath, out, requestsJson] = process.argv.slice(2);
const binding = require(addonPath);

const TABLES = ['tcp', 'tcp6', 'udp', 'udp6', 'udplite', 'udplite6', 'raw', 'raw6', 'unix'];

/** Each table's bytes, or null where the kernel has no such table. /proc files report size 0: read, never copy. */
function tables(names) {
  const read = {};
  for (const name of names) {
    try {
      read[name] = fs.readFileSync(`/proc/net/${name}`);
    } catch {
      read[name] = null;
    }
  }
  return read;
}

function attempt(run) {
  try {
    return { ok: true, packed: run() };
  } catch (err) {
    return { ok: false, error: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall } };
  }
}

function packed() {
  const inet = {};
  for (const request of JSON.parse(requestsJson)) {
    const result = attempt(() => binding.dumpInet(...request, null, null, null));
    if (result.ok) result.packed = { fields: Array.from(result.packed.fields), addresses: result.packed.addresses };
    inet[JSON.stringify(request)] = result;
  }
  const unix = attempt(() => binding.dumpUnix(null, null));
  if (unix.ok) unix.packed = { fields: Array.from(unix.packed.fields), names: unix.packed.names.toString('base64') };
  const proc = Object.fromEntries(Object.entries(tables(TABLES)).map(([name, bytes]) => [name, bytes === null ? null : bytes.toString('base64')]));
  fs.writeFileSync(out, JSON.stringify({ inet, unix, proc }));
}

// name → [family, protocol, states, withInfo], as the netlink backend asks.
const ALL_TCP_STATES = 0x1ffe;
const RECORDED = {
  'tcp4-all-info': [2, 6, ALL_TCP_STATES, true],
  'tcp6-all-info': [10, 6, ALL_TCP_STATES, true],
  'tcp4-listen': [2, 6, 1 << 10, false],
  'udp4': [2, 17, ALL_TCP_STATES, false],
  'udp6': [10, 17, ALL_TCP_STATES, false],
  'udplite4': [2, 136, ALL_TCP_STATES, false],
  'udplite6': [10, 136, ALL_TCP_STATES, false],
};

function record() {
  for (const [name, request] of Object.entries(RECORDED)) fs.writeFileSync(path.join(out, `${name}.bin`), binding.recordInet(...request, null, null, null));
  fs.writeFileSync(path.join(out, 'unix.bin'), binding.recordUnix(null, null));
  fs.mkdirSync(path.join(out, 'proc/net'), { recursive: true });
  // The tables of the recorded dumps (no RAW: the recording kernel had no raw_diag).
  for (const [name, bytes] of Object.entries(tables(TABLES.filter((t) => !t.startsWith('raw'))))) fs.writeFileSync(path.join(out, 'proc/net', name), bytes);
  const meta = { kernel: os.release(), recorded: new Date().toISOString(), requests: RECORDED };
  fs.writeFileSync(path.join(out, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

if (mode === 'packed') packed();
else if (mode === 'record') record();
else throw new Error(`capture.js: unknown form ${mode} (packed or record)`);
