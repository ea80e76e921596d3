/**
 * Unsigned 64-bit kernel values (counters, timeouts) in the modes' plain,
 * JSON-safe data. Each is a JSON number; where one is beyond 2^53 − 1 — in
 * theory only, since no real counter gets there — the number is the nearest
 * double, and the holder's `exact` object keeps the exact decimal text under
 * the field's name, so that the text output, which prints from the same data,
 * stays byte-identical to net-tools.
 */

/** Exact decimal text of the fields whose value is not a safe integer. */
export interface Exact {
  exact?: Record<string, string>;
}

/** `values` as numbers, with `exact` for the ones a double cannot hold exactly. */
export function numbersOf<K extends string>(values: Record<K, bigint>): Record<K, number> & Exact {
  const numbers: Record<string, unknown> = {};
  let exact: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(values) as Array<[K, bigint]>) {
    numbers[key] = Number(value);
    if (!Number.isSafeInteger(numbers[key])) (exact ??= {})[key] = value.toString();
  }
  if (exact !== undefined) numbers.exact = exact;
  return numbers as Record<K, number> & Exact;
}

/** The exact value of field `key` of a holder made by {@link numbersOf}. */
export function exactValue<K extends string>(holder: Record<K, number> & Exact, key: K): bigint {
  const text = holder.exact?.[key];
  return text === undefined ? BigInt(holder[key]) : BigInt(text);
}

/** The decimal text of field `key` of a holder made by {@link numbersOf}. */
export function counterText<K extends string>(holder: Record<K, number> & Exact, key: K): string {
  return holder.exact?.[key] ?? String(holder[key]);
}
