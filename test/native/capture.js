'use strict';
// Runs inside the contract suite's private network namespace (see
// test/contract.test.ts): takes every sock_diag dump the netlink backend may
// ask for and copies the /proc/net tables, back to back, so that the parent
// can run both backends over the same moment of the same namespace.
//   node capture.js ADDON OUTFILE REQUESTS_JSON
// REQUESTS_JSON: [[family, protocol, states, withInfo], ...]
const fs = require('node:fs');

const [addonPath, outFile, requestsJson] = process.argv.slice(2);
const binding = require(addonPath);

function attempt(run) {
  try {
    const packed = run();
    return { ok: true, packed };
  } catch (err) {
    return { ok: false, error: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall } };
  }
}

const inet = {};
for (const request of JSON.parse(requestsJson)) {
  const result = attempt(() => binding.dumpInet(...request, null, null, null));
  if (result.ok) result.packed = { fields: Array.from(result.packed.fields), addresses: result.packed.addresses };
  inet[JSON.stringify(request)] = result;
}
const unix = attempt(() => binding.dumpUnix(null, null));
if (unix.ok) unix.packed = { fields: Array.from(unix.packed.fields), names: unix.packed.names.toString('base64') };

const proc = {};
for (const name of ['tcp', 'tcp6', 'udp', 'udp6', 'udplite', 'udplite6', 'raw', 'raw6', 'unix']) {
  try {
    proc[name] = fs.readFileSync(`/proc/net/${name}`).toString('base64');
  } catch {
    proc[name] = null; // the kernel has no such table
  }
}
fs.writeFileSync(outFile, JSON.stringify({ inet, unix, proc }));
