/**
 * Content negotiation for `/metrics`: OpenMetrics when the scraper prefers it
 * (Prometheus sends `application/openmetrics-text;version=1.0.0` with the
 * highest weight), the Prometheus text format otherwise.
 */
import type { ExpositionFormat } from './metrics';

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [type = '', ...rest] = part.split(';').map((p) => p.trim());
    if (type === '') continue;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (key === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
      } else {
        params.set(key, value);
      }
    }
    ranges.push({ type: type.toLowerCase(), params, q });
  }
  return ranges;
}

/** The weight the header gives each format (0: not acceptable). */
function weights(header: string): Record<ExpositionFormat, number> {
  let openmetrics = 0;
  let prometheus = 0;
  let wildcard = 0;
  for (const r of parseAccept(header)) {
    if (r.type === 'application/openmetrics-text') {
      // We write OpenMetrics 1.0.0; a scraper asking only for another version gets text.
      const version = r.params.get('version');
      if (version === undefined || version === '1.0.0') openmetrics = Math.max(openmetrics, r.q);
    } else if (r.type === 'text/plain') {
      const version = r.params.get('version');
      if (version === undefined || version === '0.0.4') prometheus = Math.max(prometheus, r.q);
    } else if (r.type === '*/*' || r.type === 'text/*') {
      wildcard = Math.max(wildcard, r.q);
    }
  }
  return { openmetrics, prometheus: Math.max(prometheus, wildcard) };
}

/** Which format to answer an `Accept` header with: OpenMetrics only when asked for and weighed at least as much as text. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept === '') return 'prometheus';
  const w = weights(accept);
  return w.openmetrics > 0 && w.openmetrics >= w.prometheus ? 'openmetrics' : 'prometheus';
}
