/**
 * net-tools' natural order of interface names ("nstrcmp", spec §4.1), so
 * `eth2` sorts before `eth10` and aliases follow their device.
 */

interface NameParts {
  base: string;
  /** Length of the base without its trailing digits. */
  stem: number;
  /** The base's trailing number, 0 when it has none. */
  number: number;
  /** `:digits` alias text and value; -1 when there is no alias. */
  aliasText: string;
  alias: number;
}

function parts(name: string): NameParts {
  const aliasMatch = /:(\d+)$/.exec(name);
  const base = aliasMatch === null ? name : name.slice(0, aliasMatch.index);
  const digits = /\d*$/.exec(base)![0];
  return {
    base,
    stem: base.length - digits.length,
    number: digits === '' ? 0 : Number(digits),
    aliasText: aliasMatch === null ? '' : aliasMatch[1]!,
    alias: aliasMatch === null ? -1 : Number(aliasMatch[1]),
  };
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareInterfaceNames(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  const shared = Math.min(pa.stem, pb.stem);
  const prefix = byteCompare(pa.base.slice(0, shared), pb.base.slice(0, shared));
  if (prefix !== 0) return prefix;
  if (pa.stem !== pb.stem) return pa.stem - pb.stem;
  if (pa.number !== pb.number) return pa.number - pb.number;
  const base = byteCompare(pa.base, pb.base);
  if (base !== 0) return base;
  if (pa.alias !== pb.alias) return pa.alias - pb.alias;
  return byteCompare(pa.aliasText, pb.aliasText);
}
