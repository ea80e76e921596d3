/**
 * The stress run's verdicts (stress.js), from what the load said it did
 * (churn-load.py's lines, with times) and what each listing showed:
 *
 * - no socket twice within one listing (listing-rows.js's keys);
 * - every socket that lived through a whole listing is in it, with its owner:
 *   the long-lived connections (client side held by the load's main process,
 *   server side by its long server) and each holder process's listener and
 *   connection (both ends held by the holder);
 * - no owner that could not be: every PID shown is one that existed (the load's
 *   processes, the holders, the runner and the programs it ran), and a holder's
 *   port is only ever shown held by a holder that had that port during the listing;
 * - counts (by state and pid) between what surely existed throughout the count
 *   and what existed at some moment of it (a duplicate shows as a count above the
 *   upper bound, a lost socket below the lower one).
 *
 * Times are epoch milliseconds (the load's time.time() and the runner's
 * Date.now() read the same clock). A listing's window is from just before it
 * was started to just after it ended, so "through the whole listing" is judged
 * with room to spare; the margins cover the stamps being taken a little after
 * or before the socket calls they stand for.
 */
'use strict';

const HOLDER_PORTS = [15000, 16000];
const LONG_PORTS = [20000, 32000];
/** Room around a stamp taken right after or before the socket call it stands for. */
const MARGIN_MS = 20;

const inRange = (port, [low, high]) => port >= low && port < high;

/** The load's story, from its JSON lines. */
function loadStory(messages) {
  const ready = messages.find((m) => m.ready);
  const story = {
    ready,
    main: ready.pids.main,
    longServer: ready.pids.longServer,
    pids: new Set(Object.values(ready.pids)),
    longs: new Map(), // client port -> { open, close, accepted, released } (client side: open..close; server side: accepted..released)
    holders: [], // { pid, port, client, up, kill, reaped, from }
  };
  const holderOf = new Map();
  for (const m of messages) {
    if (m.workers) for (const pid of m.workers) story.pids.add(pid);
    if (m.spawner) story.pids.add(m.spawner);
    // Two processes tell of each connection: the server's "accepted" may come before the client's "open".
    for (const event of ['open', 'close', 'accepted', 'released']) {
      if (m[event] === undefined) continue;
      if (!story.longs.has(m[event])) story.longs.set(m[event], { open: Infinity, close: Infinity, accepted: Infinity, released: Infinity });
      story.longs.get(m[event])[event] = m.t;
    }
    if (m.holder !== undefined) {
      const h = { pid: m.holder, port: m.port, client: m.client, up: m.t, kill: Infinity, reaped: Infinity };
      story.holders.push(h);
      holderOf.set(m.holder, h);
      story.pids.add(m.holder);
    }
    if (m.kill !== undefined) holderOf.get(m.kill).kill = m.t;
    if (m.reaped !== undefined) holderOf.get(m.reaped).reaped = m.t;
  }
  // A holder can have held its port from when the one before it on that port was reaped.
  const lastReaped = new Map();
  for (const h of story.holders) {
    h.from = lastReaped.get(h.port) ?? -Infinity;
    lastReaped.set(h.port, h.reaped);
  }
  return story;
}

const throughout = (born, died, w) => born <= w.start && died >= w.end;
const overlaps = (born, died, w) => born <= w.end && died >= w.start;

/**
 * The sockets that must be in a listing of window `w`, each with the owner it
 * must show: [{ what, localPort, remotePort, pid }].
 */
function mustShow(story, w) {
  const expected = [];
  const longPort = story.ready.longPort;
  for (const [port, life] of story.longs) {
    if (throughout(life.open + MARGIN_MS, life.close - MARGIN_MS, w)) {
      expected.push({ what: `long-lived client ${port}`, localPort: port, remotePort: longPort, pid: story.main });
    }
    if (throughout(life.accepted + MARGIN_MS, life.released - MARGIN_MS, w)) {
      expected.push({ what: `long-lived server side of ${port}`, localPort: longPort, remotePort: port, pid: story.longServer });
    }
  }
  for (const h of story.holders) {
    if (!throughout(h.up + MARGIN_MS, h.kill - MARGIN_MS, w)) continue;
    expected.push({ what: `holder ${h.pid} listener`, localPort: h.port, remotePort: 0, pid: h.pid });
    expected.push({ what: `holder ${h.pid} client`, localPort: h.client, remotePort: h.port, pid: h.pid });
    expected.push({ what: `holder ${h.pid} accepted`, localPort: h.port, remotePort: h.client, pid: h.pid });
  }
  return expected;
}

/** Why a row's owner cannot be right, or undefined. */
function wrongOwner(story, row, w) {
  if (row.pid === null) return undefined;
  if (!story.pids.has(row.pid) && !story.others.has(row.pid)) return `pid ${row.pid} never existed here`;
  if (!row.protocol.startsWith('tcp')) return undefined;
  const port = inRange(row.localPort, HOLDER_PORTS) ? row.localPort : inRange(row.remotePort, HOLDER_PORTS) ? row.remotePort : undefined;
  if (port !== undefined) {
    const could = story.holders.filter((h) => h.port === port && overlaps(h.from - MARGIN_MS, h.reaped + MARGIN_MS, w)).map((h) => h.pid);
    return could.includes(row.pid) ? undefined : `port ${port} shown held by ${row.pid}; only ${could.join(', ') || 'no holder'} had it then`;
  }
  if (inRange(row.localPort, LONG_PORTS) && row.pid !== story.main) return `long-lived client ${row.localPort} shown held by ${row.pid}, not the load's ${story.main}`;
  if (inRange(row.remotePort, LONG_PORTS) && row.localPort === story.ready.longPort && row.pid !== story.longServer) {
    return `long-lived server side of ${row.remotePort} shown held by ${row.pid}, not the long server ${story.longServer}`;
  }
  return undefined;
}

/**
 * Checks a listing: { source, start, end, rows, duplicates, owners } (owners:
 * false when the lister cannot read the holders' fds, e.g. as uid 65534:
 * every owner must then be unknown). Returns the problems found and how many
 * expectations it checked.
 */
function checkListing(story, listing, program) {
  const w = listing;
  const problems = { duplicates: [], lost: [], wrongOwner: [] };
  const tag = `${listing.source} [${new Date(w.start).toISOString().slice(17, 23)}+${w.end - w.start}ms]`;
  for (const d of listing.duplicates) problems.duplicates.push(`${tag}: ${d.key} ${d.times} times (${d.states.join(', ')})`);
  const byPorts = new Map();
  for (const r of listing.rows) {
    if (!r.protocol.startsWith('tcp')) continue;
    byPorts.set(`${r.localPort}>${r.remotePort}`, r);
  }
  const expected = mustShow(story, w);
  for (const e of expected) {
    const row = byPorts.get(`${e.localPort}>${e.remotePort}`);
    if (row === undefined) {
      problems.lost.push(`${tag}: ${e.what} (${e.localPort}->${e.remotePort}) missing`);
    } else if (listing.owners && (row.pid !== e.pid || row.program !== program)) {
      problems.lost.push(`${tag}: ${e.what} shown as ${row.pid}/${row.program}, not ${e.pid}/${program}`);
    } else if (!listing.owners && row.pid !== null) {
      problems.wrongOwner.push(`${tag}: ${e.what} shown as ${row.pid}/${row.program} to a user who cannot read its holder`);
    }
  }
  for (const r of listing.rows) {
    const why = wrongOwner(story, r, w);
    if (why !== undefined) problems.wrongOwner.push(`${tag}: ${r.key}: ${why}`);
  }
  return { problems, expected: expected.length };
}

/**
 * Checks a count by state and pid ({ source, start, end, groups }) against
 * the sockets surely there throughout and possibly there at some moment.
 */
function checkCount(story, count) {
  const w = count;
  const problems = [];
  const tag = `${count.source} [${new Date(w.start).toISOString().slice(17, 23)}+${w.end - w.start}ms]`;
  const got = (state, pid) => count.groups.filter((g) => g.state === state && g.pid === pid).reduce((n, g) => n + g.count, 0);
  const bounds = [];
  const longs = [...story.longs.values()];
  const clients = { surely: longs.filter((l) => throughout(l.open + MARGIN_MS, l.close - MARGIN_MS, w)).length, maybe: longs.filter((l) => overlaps(l.open - MARGIN_MS, l.close + MARGIN_MS, w)).length };
  // A server side is ESTABLISHED from its accept until the client's close (then CLOSE_WAIT until its own).
  const servers = { surely: longs.filter((l) => throughout(l.accepted + MARGIN_MS, Math.min(l.close, l.released) - MARGIN_MS, w)).length, maybe: longs.filter((l) => overlaps(l.accepted - MARGIN_MS, l.released + MARGIN_MS, w)).length };
  bounds.push(['ESTABLISHED', story.main, clients, 'long-lived clients']);
  bounds.push(['ESTABLISHED', story.longServer, servers, 'long-lived server sides']);
  // The two listeners are the main process's (its forks hold them too, and come after it in /proc).
  bounds.push(['LISTEN', story.main, { surely: 2, maybe: 2 }, 'the load\'s listeners']);
  for (const h of story.holders) {
    if (!overlaps(h.from, h.reaped, w)) continue;
    const surely = throughout(h.up + MARGIN_MS, h.kill - MARGIN_MS, w);
    bounds.push(['LISTEN', h.pid, { surely: surely ? 1 : 0, maybe: 1 }, `holder ${h.pid} listener`]);
    bounds.push(['ESTABLISHED', h.pid, { surely: surely ? 2 : 0, maybe: 2 }, `holder ${h.pid} connection`]);
  }
  for (const [state, pid, { surely, maybe }, what] of bounds) {
    const n = got(state, pid);
    if (n < surely) problems.push(`${tag}: ${what}: ${n} ${state} held by ${pid}, at least ${surely} were there throughout`);
    if (n > maybe) problems.push(`${tag}: ${what}: ${n} ${state} held by ${pid}, at most ${maybe} existed (a socket counted twice?)`);
  }
  return { problems, expected: bounds.length };
}

module.exports = { loadStory, checkListing, checkCount, mustShow };
