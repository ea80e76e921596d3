/**
 * How many cases a property runs. The sizes written in the tests are CI's;
 * NETSTAT_PROPERTY_SCALE multiplies every one of them for a deeper run
 * (`npm run test:property:deep` sets 10). See README.md here.
 */
const scale = Number(process.env.NETSTAT_PROPERTY_SCALE ?? '1');
if (!Number.isFinite(scale) || scale <= 0) throw new Error(`NETSTAT_PROPERTY_SCALE must be a positive number, not ${process.env.NETSTAT_PROPERTY_SCALE}`);

/** `ci` runs, times the scale, at least one. */
export function runs(ci: number): number {
  return Math.max(1, Math.round(ci * scale));
}
