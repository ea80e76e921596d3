/**
 * Runs one library call in this process (so a fault wrapped around the
 * process applies to it) and prints what came of it as one JSON line:
 *
 *   node library-report.js list|count|watch QUERY_JSON
 *
 * list:  listSockets(query) → tables, sources, missing, ownerWalk and a
 *        summary of every row ("tcp/inet 127.0.0.1:7101 LISTEN 1/python3").
 * count: countSockets(query, { by: 'protocol' }) → groups, tables, sources.
 * watch: the first event of watchSockets(query) and the watch's stats.
 * A rejection prints { error: { name, code, syscall, message } }; no stack.
 */
const path = require('node:path');
const api = require(path.resolve(__dirname, '../../dist/index.js'));

const [mode, queryText] = process.argv.slice(2);
const query = JSON.parse(queryText ?? '{}');

function row(s) {
  const owner = s.pid === null || s.pid === undefined ? '-' : `${s.pid}/${s.program}`;
  if ('path' in s) return `unix ${s.stateName} ${s.path} ${owner}`;
  return `${s.protocol}/${s.family} ${s.localAddress}:${s.localPort} ${s.stateName} ${owner}`;
}

async function main() {
  if (mode === 'list') {
    const r = await api.listSockets(query);
    return { tables: r.tables, sources: r.sources, missing: r.missing, ownerWalk: r.ownerWalk, rows: [...r.inet, ...r.unix].map(row) };
  }
  if (mode === 'count') {
    const r = await api.countSockets(query, { by: 'protocol' });
    return { groups: r.groups, tables: r.tables, sources: r.sources };
  }
  if (mode === 'watch') {
    const watch = api.watchSockets(query);
    try {
      const first = await watch.next();
      return { first: first.value.type, stats: { ...watch.stats } };
    } finally {
      await watch.close();
    }
  }
  throw new Error(`unknown mode ${mode}`);
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (e) => console.log(JSON.stringify({ error: { name: e.name, code: e.code, syscall: e.syscall, message: e.message } })),
);
