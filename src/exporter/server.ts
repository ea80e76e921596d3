/**
 * The exporter's HTTP server: `/metrics` (Prometheus text, or OpenMetrics
 * when the `Accept` header asks for it), a plain page at `/`, 404 elsewhere.
 * Scrapes that arrive while a collection runs share it. Nothing here prints
 * or exits: a failed collection answers 500 (503 when it timed out) and is
 * handed to `onError`.
 */
import * as http from 'node:http';
import { negotiateFormat } from './accept';
import { CollectTimeoutError, createSharedCollector } from './collect';
import { CONTENT_TYPES, renderMetrics } from './metrics';
import type { Collection } from './snapshot';

export interface ServerOptions {
  /**
   * One collection (called at most once at a time: concurrent scrapes share
   * it). A `CollectTimeoutError` is answered 503 and counted in
   * `netstat_collect_timeouts_total`.
   */
  collect: () => Promise<Collection>;
  /** A collection or a response failed. */
  onError?: (error: unknown) => void;
  /** The package version, shown on `/`. */
  version?: string;
}

const ROOT_PAGE = (version: string | undefined): string => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>netstat-exporter</title></head>
<body>
<h1>netstat-exporter${version === undefined ? '' : ` ${escapeHtml(version)}`}</h1>
<p>A Prometheus exporter of this host's socket counts by protocol, family and state, its listening ports, and TCP queue bytes (netstat-native).</p>
<p><a href="/metrics">Metrics</a></p>
</body>
</html>
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

function send(res: http.ServerResponse, req: http.IncomingMessage, status: number, type: string, body: string, extra: http.OutgoingHttpHeaders = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, ...extra });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

export function createExporterServer(options: ServerOptions): http.Server {
  /** Collections that timed out (once per collection, however many scrapes shared it). */
  let timeouts = 0;
  const collect = createSharedCollector(async () => {
    try {
      return await options.collect();
    } catch (error) {
      if (error instanceof CollectTimeoutError) timeouts++;
      throw error;
    }
  });
  const onError = options.onError ?? (() => undefined);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, req, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    if (pathname === '/') {
      send(res, req, 200, 'text/html; charset=utf-8', ROOT_PAGE(options.version));
      return;
    }
    if (pathname !== '/metrics') {
      send(res, req, 404, 'text/plain; charset=utf-8', 'Not Found: the metrics are at /metrics\n');
      return;
    }
    const format = negotiateFormat(req.headers.accept);
    let body: string;
    try {
      const collection = await collect();
      body = await renderMetrics(collection, format, { collectTimeouts: timeouts });
    } catch (error) {
      onError(error);
      if (error instanceof CollectTimeoutError) {
        send(res, req, 503, 'text/plain; charset=utf-8', `${error.message}: the scrape was abandoned and its work stopped; netstat_collect_timeouts_total counts these\n`);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      send(res, req, 500, 'text/plain; charset=utf-8', `collection failed: ${message}\n`);
      return;
    }
    send(res, req, 200, CONTENT_TYPES[format], body, { 'Cache-Control': 'no-store' });
  };

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      onError(error);
      if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', 'Internal Server Error\n');
      else res.destroy();
    });
  });
}
