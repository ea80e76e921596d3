#!/usr/bin/env node
/**
 * Test support for watch.test.ts: one watch scenario, run in a process of its
 * own (normally inside `unshare -n`, so that only the sockets made here
 * exist), printing what it saw as one JSON line on stdout. The assertions
 * are made by the test; this script only drives the sockets and records.
 *
 *   node scenario.js SCENARIO BACKEND [ARG]
 *
 * Scenarios: lifecycle, initial-false, unix, short-lived, remnant, stop
 * (ARG: break | return | close | signal | pre-aborted | immediate).
 *
 * Uses the built library (dist/), as the CLI tests do (`npm test` builds it).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');
const { listSockets, socketKey, watchSockets } = require(path.join(repo, 'dist', 'index.js'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const tasks = () => fs.readdirSync('/proc/self/task').length;

/** The inode of a socket fd of this process (`socket:[N]`). */
function inodeOfFd(fd) {
  const link = fs.readlinkSync(`/proc/self/fd/${fd}`);
  const match = /^socket:\[(\d+)\]$/.exec(link);
  if (match === null) throw new Error(`fd ${fd} is not a socket: ${link}`);
  return Number(match[1]);
}
const inodeOf = (handleOwner) => inodeOfFd(handleOwner._handle.fd);

/** In a private namespace, loopback is down: bring it up (harmless elsewhere). */
function loopbackUp() {
  const r = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip link set lo up: ${r.stderr}`);
}

function listen(server, port = 0, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address().port));
  });
}

/** A listening server that ends each connection when its client ends it. */
async function endingServer() {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.on('end', () => s.end());
  });
  return { server, port: await listen(server) };
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('error', reject);
    c.once('connect', () => resolve(c));
  });
}

function closeServer(server) {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A watch and everything it delivered, as plain records: `at` is when the
 * event reached this loop, `dumps` the watch's dump count at that moment.
 */
function record(watch) {
  const events = [];
  const waiters = [];
  const done = (async () => {
    try {
      for await (const e of watch) {
        const s = e.socket;
        const r = {
          type: e.type,
          kind: e.kind,
          key: socketKey(e.kind, s),
          time: e.time,
          at: Date.now(),
          dumps: watch.stats.dumps,
          state: s.stateName,
          inode: s.inode,
        };
        if (e.type === 'removed') r.reason = e.reason;
        if (e.type === 'changed') r.previous = e.previous;
        if (e.kind === 'inet') Object.assign(r, { localPort: s.localPort, remotePort: s.remotePort, recvQueue: s.recvQueue, cookie: s.cookie });
        else r.path = s.path;
        events.push(r);
        for (const w of [...waiters]) if (w.test(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, code: error.code, message: error.message, name: error.constructor.name };
    }
  })();
  /** The first event (already seen or to come) that passes `test`, or a rejection after `ms`. */
  const waitFor = (what, test, ms = 5000) => {
    const seen = events.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { test, resolve: (r) => (clearTimeout(timer), resolve(r)) };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${what}; events so far: ${JSON.stringify(events)}`));
      }, ms);
      waiters.push(w);
    });
  };
  return { events, done, waitFor };
}

/** Resolves right after the watch's next dump was applied (polling its stats). */
async function afterNextDump(watch, ms = 5000) {
  const start = watch.stats.dumps;
  const deadline = Date.now() + ms;
  while (watch.stats.dumps === start) {
    if (Date.now() > deadline) throw new Error('no dump within the time allowed');
    await sleep(1);
  }
}

async function dumpsPass(watch, n) {
  for (let i = 0; i < n; i++) await afterNextDump(watch);
}

const tcpOnly = (backend) => ({ backend, protocols: ['tcp'], families: ['inet'] });

const scenarios = {
  /**
   * TCP on 127.0.0.1: a listener present before the watch, a new listener, a
   * connection kept over several dumps, bytes left unread, a half-close
   * (CLOSE_WAIT), then both sides closed right after a dump.
   */
  async lifecycle(backend) {
    const intervalMs = 300;
    const marks = {};
    const before = net.createServer({ pauseOnConnect: true });
    const beforePort = await listen(before);
    let accepted;
    before.on('connection', (s) => (accepted = s));

    const watch = watchSockets(tcpOnly(backend), { intervalMs });
    const rec = record(watch);
    await rec.waitFor('the initial listener', (e) => e.localPort === beforePort);
    marks.initialDone = Date.now();

    const later = net.createServer();
    const laterPort = await listen(later);
    marks.laterListening = Date.now();
    await rec.waitFor('the new listener', (e) => e.localPort === laterPort, 4 * intervalMs + 2000);

    const client = await connect(beforePort);
    const clientPort = client.localPort;
    marks.connected = Date.now();
    const serverSide = (e) => e.localPort === beforePort && e.remotePort === clientPort;
    const clientSide = (e) => e.localPort === clientPort && e.remotePort === beforePort;
    await rec.waitFor('server side added', (e) => e.type === 'added' && serverSide(e));
    await rec.waitFor('client side added', (e) => e.type === 'added' && clientSide(e));
    await dumpsPass(watch, 2); // kept across several dumps

    client.write(Buffer.alloc(1000, 1)); // never read: the server side is paused
    marks.wrote = Date.now();
    await rec.waitFor('recvQueue change', (e) => e.type === 'changed' && serverSide(e) && e.recvQueue === 1000);
    await dumpsPass(watch, 1);

    client.end(); // FIN: the server side goes to CLOSE_WAIT, and keeps its socket
    marks.halfClosed = Date.now();
    await rec.waitFor('CLOSE_WAIT', (e) => e.type === 'changed' && serverSide(e) && e.state === 'CLOSE_WAIT');
    await dumpsPass(watch, 1);

    // Close both sides just after a dump: on netlink the removals must come
    // from the notifications, well before the next dump.
    await afterNextDump(watch);
    marks.closeDumps = watch.stats.dumps;
    marks.closed = Date.now();
    accepted.destroy(); // unread data: an RST, no TIME_WAIT on either side
    client.destroy();
    await rec.waitFor('server side removed', (e) => e.type === 'removed' && serverSide(e), 3 * intervalMs + 2000);
    await rec.waitFor('client side removed', (e) => e.type === 'removed' && clientSide(e), 3 * intervalMs + 2000);
    await dumpsPass(watch, 2); // nothing more should come for them
    await watch.close();
    const end = await rec.done;
    await Promise.all([closeServer(before), closeServer(later)]);
    return { intervalMs, beforePort, laterPort, clientPort, marks, events: rec.events, end, stats: watch.stats };
  },

  /** `initial: false`: the first dump reports nothing; later sockets are added. */
  async 'initial-false'(backend) {
    const intervalMs = 150;
    const before = net.createServer();
    const beforePort = await listen(before);
    const watch = watchSockets(tcpOnly(backend), { intervalMs, initial: false });
    const rec = record(watch);
    await dumpsPass(watch, 2);
    const later = net.createServer();
    const laterPort = await listen(later);
    await rec.waitFor('the new listener', (e) => e.localPort === laterPort);
    await dumpsPass(watch, 2);
    await watch.close();
    const end = await rec.done;
    await Promise.all([closeServer(before), closeServer(later)]);
    return { intervalMs, beforePort, laterPort, events: rec.events, end, stats: watch.stats };
  },

  /** UNIX stream sockets: a listener before the watch, a new one, a connection; all closed. */
  async unix(backend) {
    const intervalMs = 150;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-unix-'));
    const inodes = {};
    try {
      const first = net.createServer();
      const firstPath = path.join(dir, 'first.sock');
      await new Promise((resolve) => first.listen(firstPath, resolve));
      inodes.first = inodeOf(first);
      let accepted;
      first.on('connection', (s) => (accepted = s));

      const watch = watchSockets({ backend, protocols: ['unix'] }, { intervalMs });
      const rec = record(watch);
      await rec.waitFor('the initial listener', (e) => e.inode === inodes.first);

      const second = net.createServer();
      await new Promise((resolve) => second.listen(path.join(dir, 'second.sock'), resolve));
      inodes.second = inodeOf(second);
      await rec.waitFor('the new listener', (e) => e.inode === inodes.second);

      const client = net.connect(firstPath);
      await new Promise((resolve) => client.once('connect', resolve));
      while (accepted === undefined) await sleep(5);
      inodes.client = inodeOf(client);
      inodes.accepted = inodeOf(accepted);
      await rec.waitFor('client added', (e) => e.inode === inodes.client);
      await rec.waitFor('accepted added', (e) => e.inode === inodes.accepted);
      await dumpsPass(watch, 2);

      await closeServer(second);
      client.destroy();
      accepted.destroy();
      for (const which of ['second', 'client', 'accepted']) {
        await rec.waitFor(`${which} removed`, (e) => e.type === 'removed' && e.inode === inodes[which]);
      }
      await dumpsPass(watch, 2);
      await watch.close();
      const end = await rec.done;
      await closeServer(first);
      return { intervalMs, inodes, events: rec.events, end, stats: watch.stats };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },

  /**
   * Many connections opened and closed quickly, some within one interval,
   * some caught by a dump; closed gracefully (TIME_WAIT remnants) or with an
   * RST. The test checks the event stream is consistent for every key.
   */
  async 'short-lived'(backend) {
    const intervalMs = 50;
    const { server, port } = await endingServer();
    const watch = watchSockets(tcpOnly(backend), { intervalMs });
    const rec = record(watch);
    await afterNextDump(watch);
    let made = 0;
    while (made < 400) {
      const batch = [];
      for (let i = 0; i < 8; i++) batch.push(connect(port));
      const clients = await Promise.all(batch);
      made += clients.length;
      // Hold some for a moment, so that dumps catch a part of them.
      await sleep(Math.floor(Math.random() * 30));
      clients.forEach((c, i) => (i % 2 === 0 ? c.end() : c.resetAndDestroy()));
      await sleep(Math.floor(Math.random() * 10));
    }
    await sleep(300);
    await dumpsPass(watch, 3);
    await watch.close();
    const end = await rec.done;
    await closeServer(server);
    return { intervalMs, port, made, events: rec.events, end, stats: watch.stats };
  },

  /**
   * A connection opened and closed between two dumps, once with an RST (no
   * remnant) and once gracefully (the client's TIME_WAIT remnant keeps the
   * socket's cookie): neither socket should ever be reported.
   */
  async remnant(backend) {
    const intervalMs = 500;
    const { server, port } = await endingServer();
    const watch = watchSockets(tcpOnly(backend), { intervalMs });
    const rec = record(watch);
    await afterNextDump(watch);
    const ports = {};
    const dumpsAtOpen = watch.stats.dumps;
    const reset = await connect(port);
    ports.reset = reset.localPort;
    reset.resetAndDestroy();
    const graceful = await connect(port);
    ports.graceful = graceful.localPort;
    await new Promise((resolve) => {
      graceful.on('close', resolve);
      graceful.end();
    });
    await sleep(50); // the server side's LAST_ACK ends too
    const dumpsAtClose = watch.stats.dumps;
    await dumpsPass(watch, 3);
    // What the kernel lists for them now (the remnants), for the report.
    const list = await listSockets(tcpOnly(backend));
    const listed = list.inet
      .filter((s) => s.remotePort === port || s.localPort === ports.reset || s.localPort === ports.graceful)
      .map((s) => ({ localPort: s.localPort, remotePort: s.remotePort, state: s.stateName, cookie: s.cookie, inode: s.inode }));
    await watch.close();
    const end = await rec.done;
    await closeServer(server);
    return { intervalMs, port, ports, dumpsAtOpen, dumpsAtClose, listed, events: rec.events, end, stats: watch.stats };
  },

  /**
   * Stopping: `how` is break | return | close | signal | pre-aborted |
   * immediate. Reports the task (thread) counts: the baseline after one
   * listSockets call (the libuv pool exists then), while watching, and after
   * the end. The process must then exit by itself (checked by the test).
   */
  async stop(backend, how) {
    const intervalMs = 50;
    await listSockets(tcpOnly(backend));
    await sleep(20);
    const baseline = tasks();
    const controller = new AbortController();
    if (how === 'pre-aborted') controller.abort();
    const options = how === 'signal' || how === 'pre-aborted' ? { intervalMs, signal: controller.signal } : { intervalMs };
    const server = net.createServer();
    await listen(server); // one socket, so there is an event to see
    const watch = watchSockets(tcpOnly(backend), options);
    let during;
    let count = 0;
    let loopEnded = false;
    const started = Date.now();
    if (how === 'immediate') {
      during = tasks();
      await watch.close();
    } else {
      const stopper = (async () => {
        if (how === 'break' || how === 'pre-aborted') return;
        while (count === 0) await sleep(5); // the watch is under way (slow starts under load)
        await sleep(4 * intervalMs);
        during = tasks();
        if (how === 'return') await watch.return();
        else if (how === 'close') await watch.close();
        else controller.abort();
      })();
      for await (const event of watch) {
        void event;
        count++;
        if (how === 'break') {
          await sleep(4 * intervalMs);
          during = tasks();
          break;
        }
      }
      loopEnded = true;
      await stopper;
    }
    const endedAfterMs = Date.now() - started;
    await closeServer(server);
    const next = await watch.next(); // an ended watch stays ended
    await sleep(50);
    return { how, baseline, during, after: tasks(), count, loopEnded, endedAfterMs, nextDone: next.done === true, stats: watch.stats };
  },
};

async function main() {
  const [name, backend, arg] = process.argv.slice(2);
  const scenario = scenarios[name];
  if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
  if (process.env.WATCH_SCENARIO_NO_LO !== '1') loopbackUp();
  const result = await scenario(backend, arg);
  // The parent times the exit from this line: nothing may keep the process alive.
  process.stdout.write(`${JSON.stringify({ ...result, endedAt: Date.now() })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
