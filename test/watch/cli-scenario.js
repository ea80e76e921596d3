#!/usr/bin/env node
/**
 * Test support for cli.test.ts, run inside `unshare -n`: starts
 * `node dist/cli.js --watch ARGS...`, makes a listener and a connection,
 * takes net-tools' own listing (`/usr/bin/netstat` with the listing options)
 * while the connection is up, leaves bytes unread (a change), closes the
 * connection, then interrupts the watch. Prints one JSON line: the watch's
 * output lines (with arrival times), the net-tools listings, and how the
 * watch ended.
 *
 *   node cli-scenario.js MODE SIGNAL ARGS...
 *
 * MODE: `events` (the above) or `pipe-close` (the reader of the watch's
 * stdout goes away after the first line; a later event must end it quietly).
 * SIGNAL: SIGINT or SIGTERM. ARGS: the watch's arguments (with --watch).
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');
const cli = path.join(repo, 'dist', 'cli.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A time limit that does not keep the process alive. */
const limit = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/** net-tools' rows for the listing options (its two header lines dropped). */
function netTools(args) {
  const r = spawnSync('/usr/bin/netstat', args, { encoding: 'utf8' });
  return { status: r.status, rows: r.stdout.split('\n').slice(2).filter((l) => l !== ''), stderr: r.stderr };
}

async function main() {
  const [mode, signal, ...args] = process.argv.slice(2);
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`ip link set lo up: ${up.stderr}`);
  const listingArgs = args.filter((a) => a === '--' || !a.startsWith('--'));

  const server = net.createServer({ pauseOnConnect: true });
  const port = await listen(server);
  let accepted;
  server.on('connection', (s) => (accepted = s));

  const started = Date.now();
  const watch = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let buffered = '';
  let stderr = '';
  watch.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      lines.push({ text: buffered.slice(0, nl), at: Date.now() });
      buffered = buffered.slice(nl + 1);
    }
  });
  watch.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => watch.on('exit', (status, sig) => resolve({ status, signal: sig, at: Date.now() })));
  const waitLines = async (n, what, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (lines.length < n) {
      if (Date.now() > deadline) throw new Error(`watch: no ${what} (${n} lines) within ${ms} ms; got ${JSON.stringify(lines)}; stderr ${stderr}`);
      await sleep(10);
    }
  };

  // The first dump: with -a the listener is added; without, nothing (then there is
  // no telling when it was taken, which does not matter: the connection comes later).
  const all = listingArgs.some((a) => /^-[^-]*a/.test(a));
  if (all) await waitLines(1, 'the listener');
  await sleep(all ? 300 : 500);
  const initialLines = lines.length;

  if (mode === 'pipe-close') {
    const client = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => resolve(c));
    });
    await waitLines(initialLines + 1, 'first event');
    watch.stdout.destroy(); // the reader goes away
    await sleep(200);
    // More events: the watch must notice the closed pipe on its next write and end.
    const more = [];
    for (let i = 0; i < 3; i++) {
      more.push(await new Promise((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => resolve(c));
      }));
      await sleep(300);
    }
    const result = await Promise.race([exited, limit(5000).then(() => undefined)]);
    if (result === undefined) watch.kill('SIGKILL');
    for (const c of [client, ...more]) c.destroy();
    server.close();
    process.stdout.write(`${JSON.stringify({ mode, port, exitedByItself: result !== undefined, exit: result ?? (await exited), stderr, lines })}\n`);
    return;
  }

  const client = await new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => resolve(c));
  });
  const clientPort = client.localPort;
  while (accepted === undefined) await sleep(5);
  await waitLines(initialLines + 2, 'two added lines');
  const upListing = netTools(listingArgs);

  client.write('0123456789'); // never read: the server side is paused
  await waitLines(initialLines + 3, 'a changed line');
  await sleep(250); // the client's Send-Q settles too, if it changes
  const queuedListing = netTools(listingArgs);

  const beforeClose = lines.length;
  accepted.destroy();
  client.destroy();
  await waitLines(beforeClose + 2, 'two removed lines');
  await sleep(300);

  watch.kill(signal);
  const exit = await Promise.race([exited, limit(5000).then(() => undefined)]);
  if (exit === undefined) watch.kill('SIGKILL');
  server.close();
  process.stdout.write(
    `${JSON.stringify({ mode, port, clientPort, started, initialLines, upListing, queuedListing, exit: exit ?? { status: null, signal: 'timeout' }, stderr, lines, ended: Date.now() })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
