'use strict';
/**
 * Scrape the built exporter's server (in this process) ROUNDS times over a
 * keep-alive connection, live collection each time, and print the heap and
 * RSS after a full GC at three points as JSON. The server listens on a UNIX
 * socket (a TCP listener would show in other tests' live listings of the
 * host's sockets). Run with --expose-gc:
 *     node --expose-gc test/exporter/scrape-loop.js ROUNDS
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const dist = path.join(__dirname, '../../dist/exporter');
const { createExporterServer } = require(path.join(dist, 'server'));
const { collect } = require(path.join(dist, 'collect'));

const rounds = Number(process.argv[2] || 1000);
const server = createExporterServer({ collect: () => collect({ maxListeners: 200, byProcess: false, topProcesses: 10 }) });

function measure() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-exporter-loop-'));
const socketPath = path.join(dir, 'metrics.sock');
server.listen(socketPath, async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise((resolve, reject) => {
      http
        .get({ socketPath, path: '/metrics', agent }, (res) => {
          let bytes = 0;
          res.on('data', (chunk) => (bytes += chunk.length));
          res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  const marks = {};
  const started = process.hrtime.bigint();
  try {
    for (let i = 1; i <= rounds; i++) {
      await get();
      if (i === Math.round(rounds / 10) || i === Math.round(rounds / 2) || i === rounds) marks[i] = measure();
    }
  } catch (error) {
    console.error(String(error));
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  agent.destroy();
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ rounds, ms, marks }));
});
