'use strict';
/**
 * The kernel's resume skip, made to happen (run by resume-skip.test.ts, in a
 * network namespace with a TCP hash table of a few buckets, as root):
 *
 * A sock_diag dump is built a datagram per read, and between reads the kernel
 * keeps its place as (bucket, sockets passed in it). This process holds
 * `keepers` loopback connections (port 7001) that live through everything, and
 * for each dump `victims` more (port 7002). It reads the dump as a stream, a
 * datagram at a time, and after each one resets every victim connection the
 * datagram showed: sockets ahead of the kernel's place in its bucket leave, so
 * the next read starts late and skips sockets that are still there. (The
 * kernel builds the next datagram as it hands over one, so the removals tell on
 * the read after the next: with a few buckets of hundreds of sockets each, the
 * place is still in the bucket of the sockets removed.)
 *
 * The same is done to /proc/net/tcp read a page at a time, and the table read
 * again whole, for the /proc backend's second read. Last, the TCP table is
 * recorded (recordInet: both reads, when there are two) with each `check`,
 * as it is and with `largeExtra` more connections.
 *
 *   node resume-skip.js ADDON CONFIG_JSON OUTPUT_FILE  → writes one JSON document
 */
const fs = require('node:fs');
const net = require('node:net');

const [addonPath, configText, outputFile] = process.argv.slice(2);
const { keepers, victims, largeExtra, modes } = JSON.parse(configText);
const binding = require(addonPath);

const AF_INET = 2;
const IPPROTO_TCP = 6;
const ALL_STATES = 0x1ffe;
const KEEPER_PORT = 7001;
const VICTIM_PORT = 7002;

const servers = new Map(); // client port -> accepted socket (both listeners)
function listen(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => servers.set(socket.remotePort, socket));
    server.on('error', reject);
    server.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => resolve(server));
  });
}

/** `count` connections to `port`; resolves once every one is accepted. Returns client port -> client socket. */
async function connectMany(port, count) {
  const clients = new Map();
  for (let i = 0; i < count; i += 100) {
    const batch = [];
    for (let k = i; k < Math.min(count, i + 100); k++) {
      batch.push(
        new Promise((resolve, reject) => {
          const socket = net.connect({ host: '127.0.0.1', port }, () => {
            clients.set(socket.localPort, socket);
            resolve();
          });
          socket.on('error', reject);
        }),
      );
    }
    await Promise.all(batch);
  }
  while ([...clients.keys()].some((p) => !servers.has(p))) await new Promise((resolve) => setTimeout(resolve, 10));
  return clients;
}

/** Resets a victim connection (both ends: RST, no TIME_WAIT) at once. */
function reset(victimClients, clientPort) {
  const client = victimClients.get(clientPort);
  if (client === undefined) return;
  victimClients.delete(clientPort);
  client.resetAndDestroy();
  servers.get(clientPort)?.resetAndDestroy();
  servers.delete(clientPort);
}

/** A victim connection's client port from a row's ports, or undefined. */
function victimOf(localPort, remotePort) {
  if (remotePort === VICTIM_PORT) return localPort;
  if (localPort === VICTIM_PORT && remotePort !== 0) return remotePort;
  return undefined;
}

/** One streamed dump, resetting the victims each datagram shows. Rows as "local>remote". */
function streamed(check, victimClients) {
  const stream = binding.openInetStream(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, null, null, check);
  const rows = [];
  let batches = 0;
  for (;;) {
    const batch = binding.readInetStream(stream, 1, null);
    batches++;
    for (let o = 0; o < batch.fields.length; o += binding.inetStride) {
      const ports = batch.fields[o + 13]; // InetField.Ports: local << 16 | remote
      const local = ports >>> 16;
      const remote = ports & 0xffff;
      rows.push(`${local}>${remote}`);
      const victim = victimOf(local, remote);
      if (victim !== undefined) reset(victimClients, victim);
    }
    if (batch.done) break;
  }
  return { rows, batches };
}

/** /proc/net/tcp a page per read, resetting the victims each page shows; then the table again whole. */
function procPages(victimClients) {
  const fd = fs.openSync('/proc/net/tcp', 'r');
  const pages = [];
  const page = Buffer.alloc(4096);
  let carry = '';
  for (;;) {
    const n = fs.readSync(fd, page, 0, page.length, null);
    if (n === 0) break;
    const text = page.toString('latin1', 0, n);
    pages.push(text);
    const lines = (carry + text).split('\n');
    carry = lines.pop();
    for (const line of lines) {
      const m = /^\s*\d+: [0-9A-F]+:([0-9A-F]{4}) [0-9A-F]+:([0-9A-F]{4}) /.exec(line);
      if (m === null) continue;
      const victim = victimOf(parseInt(m[1], 16), parseInt(m[2], 16));
      if (victim !== undefined) reset(victimClients, victim);
    }
  }
  fs.closeSync(fd);
  return { first: pages.join(''), reads: pages.length, second: fs.readFileSync('/proc/net/tcp', 'latin1') };
}

/** How many dumps a recording of the TCP table holds (its NLMSG_DONE messages): 2 when the table was read twice. */
function readsRecorded(check) {
  const bytes = binding.recordInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, null, null, check);
  let dumps = 0;
  for (let at = 0; at < bytes.length; at += (bytes.readUInt32LE(at) + 3) & ~3) if (bytes.readUInt16LE(at + 4) === 3) dumps++;
  const rows = binding.decodeInet(bytes).fields.length / binding.inetStride;
  return { dumps, rows };
}

(async () => {
  await listen(KEEPER_PORT);
  await listen(VICTIM_PORT);
  const keeperClients = await connectMany(KEEPER_PORT, keepers);
  const keeperRows = [`${KEEPER_PORT}>0`];
  for (const port of keeperClients.keys()) keeperRows.push(`${port}>${KEEPER_PORT}`, `${KEEPER_PORT}>${port}`);
  const result = { keeperRows, netlink: {}, procfs: undefined };
  for (const [name, check] of Object.entries(modes)) {
    const victimClients = await connectMany(VICTIM_PORT, victims);
    result.netlink[name] = streamed(check, victimClients);
    for (const port of [...victimClients.keys()]) reset(victimClients, port);
  }
  const victimClients = await connectMany(VICTIM_PORT, victims);
  result.procfs = procPages(victimClients);
  for (const port of [...victimClients.keys()]) reset(victimClients, port);
  // Whether a whole dump (not a stream) reads twice: the keepers' table, then one of more than 16,384 sockets.
  result.recorded = { small: {}, large: {} };
  for (const [name, check] of Object.entries(modes)) result.recorded.small[name] = readsRecorded(check);
  await connectMany(VICTIM_PORT, largeExtra);
  for (const [name, check] of Object.entries(modes)) result.recorded.large[name] = readsRecorded(check);
  fs.writeFileSync(outputFile, JSON.stringify(result));
  process.exit(0);
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
