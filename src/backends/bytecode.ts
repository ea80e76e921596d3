/**
 * Socket filters compiled into inet_diag bytecode (`INET_DIAG_REQ_BYTECODE`),
 * so that the kernel drops non-matching sockets during a sock_diag dump
 * instead of sending them all for us to discard (the way iproute2's `ss`
 * filters). Written from the kernel's rules in net/ipv4/inet_diag.c.
 *
 * API
 *
 *   type PortRange = readonly [low, high]           inclusive; port N is [N, N]
 *   interface AddressPrefix { family: 'inet' | 'inet6'; bytes; prefixLength }
 *   interface KernelFilter {
 *     localPorts?, remotePorts?: readonly PortRange[];
 *     localAddresses?, remoteAddresses?: readonly AddressPrefix[];
 *   }
 *   compileBytecode(filter: KernelFilter): Buffer | null
 *
 * A socket matches a field when ANY of its alternatives matches; it matches
 * the filter when it matches EVERY present field. An absent (undefined) field
 * is no condition; an empty list (`[]`) matches nothing. The result is the
 * attribute payload to send, or null when the filter accepts every socket (no
 * field, or only fields every socket meets, such as ports [0, 65535]): then no
 * attribute should be sent at all — an empty one fails the kernel's audit.
 * A filter with an empty list compiles to a 4-byte program rejecting every
 * socket. Invalid input (a port outside 0..65535 or not an integer, low >
 * high, address bytes not 4/16 long for the family, a prefix length out of
 * range) throws a RangeError, and so does a filter whose program would not
 * fit a netlink attribute (over 65528 bytes, i.e. some two thousand
 * alternatives); a caller can then dump unfiltered and filter itself.
 *
 * Address semantics are the kernel's, on purpose, so that the program is
 * exact: an 'inet' prefix matches an AF_INET socket's address, and also an
 * AF_INET6 socket whose address is v4-mapped (::ffff:a.b.c.d, a dual-stack
 * socket talking IPv4) with a.b.c.d in the prefix; an 'inet6' prefix matches
 * only AF_INET6 sockets (::ffff:127.0.0.0/104 matches a v4-mapped socket but
 * never an AF_INET one). Bits of `bytes` past the prefix length are ignored.
 * The "local" port is the socket's bound port (inet_num), "remote" the peer's
 * (0 when unconnected); local/remote addresses likewise, unspecified
 * addresses (0.0.0.0, ::) being ordinary addresses.
 *
 * The machine
 *
 * A program is a sequence of `struct inet_diag_bc_op { u8 code; u8 yes;
 * u16 no }` (host byte order), some followed by operands. The kernel runs it
 * with `len` = bytes remaining: each op tests the socket and advances by
 * `yes` or `no` bytes; the socket is accepted iff `len` ends exactly at 0, so
 * jumping to the end accepts and jumping to end + 4 rejects. Before the dump
 * the kernel audits the program (inet_diag_bc_audit): it walks it by `yes`
 * from the start, and every op's `yes` and `no` must be a multiple of 4, at
 * least the op's own length (opcode plus operands) and at most len + 4; a
 * `no` short of the end must land on an op boundary met by that `yes` walk.
 * So every op here has `yes` = its own length (a true test falls through to
 * the next op, which keeps every op boundary on the audit's walk) and all
 * branching is done with `no` and with JMP ops (always "false": they take
 * `no`).
 *
 * Only ops every kernel since 3.x knows are used: JMP, S_GE/S_LE/D_GE/D_LE
 * (port compares; the port is in the `no` of a second op word) and
 * S_COND/D_COND (`struct inet_diag_hostcond { u8 family; u8 prefix_len;
 * int port; __be32 addr[] }`, port -1 = any). Not S_EQ/D_EQ, which only
 * newer kernels know.
 *
 *   port N          S_COND/D_COND, family AF_UNSPEC, prefix 0, port N  12 bytes
 *                   (AF_UNSPEC carries no address: it tests the port only)
 *   ports [0, H]    S_LE/D_LE H                                        8 bytes
 *   ports [L, 65535] S_GE/D_GE L                                       8 bytes
 *   ports [L, H]    S_GE L, then S_LE H                               16 bytes
 *   inet prefix     COND family AF_INET, prefix, port -1, 4-byte addr  16 bytes
 *   inet6 prefix    COND family AF_INET6, prefix, port -1, 16 bytes    28 bytes
 *   reject all      JMP yes 4, no 8 (to end + 4)                        4 bytes
 *
 * Fields become clauses, one after another (AND: a socket reaches clause
 * k + 1 only by passing clause k). Within a clause the alternatives come in
 * turn (OR): each but the last is followed by a JMP to the clause's end, so
 * a passing test falls through into that JMP and skips the rest, and a
 * failing one's `no` lands on the next alternative (just past the JMP). A
 * failing last alternative rejects. Before compiling, each field is
 * simplified (it does not change what matches, only the size): port ranges
 * are merged, address prefixes contained in another of the field dropped, and
 * a field every socket meets is left out.
 *
 * Old kernels: before the fix "inet_diag: avoid unsafe and nonsensical prefix
 * matches" (late 2014, around 3.18), COND did not compare families and
 * treated prefix 0 as always true, so there an 'inet' prefix can also match a
 * non-mapped IPv6 address sharing its leading bits, and an 'inet6' one an
 * IPv4 address. Later kernels behave as described here.
 */
import * as os from 'node:os';

/** An inclusive port range; a single port N is [N, N]. */
export type PortRange = readonly [low: number, high: number];

/** An address prefix: 4 bytes (IPv4) or 16 bytes (IPv6), network order; prefix length in bits. */
export interface AddressPrefix {
  family: 'inet' | 'inet6';
  bytes: Uint8Array;
  prefixLength: number;
}

export interface KernelFilter {
  /** Each field: the socket matches if ANY alternative matches; fields are ANDed. Absent or undefined = no condition. */
  localPorts?: readonly PortRange[];
  remotePorts?: readonly PortRange[];
  localAddresses?: readonly AddressPrefix[];
  remoteAddresses?: readonly AddressPrefix[];
  /** cgroup v2 ids (exact; a cgroup's descendants must be listed too). */
  cgroupIds?: readonly bigint[];
}

// linux/inet_diag.h `enum { INET_DIAG_BC_NOP, INET_DIAG_BC_JMP, ... }`.
const BC_JMP = 1;
const BC_S_GE = 2;
const BC_S_LE = 3;
const BC_D_GE = 4;
const BC_D_LE = 5;
const BC_S_COND = 7;
const BC_D_COND = 8;
const BC_CGROUP_COND = 13;

const AF_UNSPEC = 0;
const AF_INET = 2;
const AF_INET6 = 10;

const OP_SIZE = 4;
/** `struct inet_diag_hostcond` without its address: family, prefix_len, 2 bytes padding, int port. */
const HOSTCOND_SIZE = 8;
/**
 * The largest program: the attribute's u16 length counts its 4-byte header,
 * and the first op's "reject" jump (length + 4) must fit the u16 `no`.
 */
const MAX_PROGRAM = 65528;

/** Operands and byte order are the host's: the kernel reads the ops as plain C structs. */
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Where a failing op goes: an op index (the program's op count = the end, accepting) or REJECT. */
const REJECT = -1;

interface Op {
  code: number;
  /** Whole length in bytes, operands included; also its `yes` (fall through). */
  size: number;
  /** Target when the test fails; for a JMP, always taken. */
  no: number;
  /** Writes the operands after the 4-byte op header. */
  operands(buf: Buffer, at: number): void;
}

/** A test: its ops, each still without a `no` target. */
type Test = Omit<Op, 'no'>[];

/**
 * The bytecode for `filter`, or null when it has no condition (then no
 * attribute is sent). An empty alternatives list (`[]`) means "matches
 * nothing": the result is then a program rejecting everything (which passes
 * the kernel's audit). Throws RangeError on invalid input or a program too
 * large for a netlink attribute.
 */
export function compileBytecode(filter: KernelFilter): Buffer | null {
  const clauses: Test[][] = [];
  // Every field is still validated when an earlier one already matches nothing.
  let matchesNothing = false;
  const portFields = [
    [filter.localPorts, 'local'],
    [filter.remotePorts, 'remote'],
  ] as const;
  for (const [ranges, side] of portFields) {
    if (ranges === undefined) continue;
    const merged = mergePortRanges(ranges);
    if (merged.length === 0) matchesNothing = true;
    // A field covering every port is no condition at all.
    if (merged.length === 1 && merged[0]![0] === 0 && merged[0]![1] === 0xffff) continue;
    clauses.push(merged.map((range) => portTest(side, range)));
  }
  const addressFields = [
    [filter.localAddresses, BC_S_COND],
    [filter.remoteAddresses, BC_D_COND],
  ] as const;
  for (const [prefixes, code] of addressFields) {
    if (prefixes === undefined) continue;
    const kept = simplifyPrefixes(prefixes);
    if (kept.length === 0) matchesNothing = true;
    // Every socket of a dump is AF_INET or AF_INET6: the two /0 together match all.
    if (kept.some((p) => p.family === 'inet' && p.prefixLength === 0) && kept.some((p) => p.family === 'inet6' && p.prefixLength === 0)) continue;
    clauses.push(kept.map((prefix) => [hostCondition(code, prefix.family === 'inet' ? AF_INET : AF_INET6, prefix.prefixLength, -1, prefix.bytes)]));
  }
  if (filter.cgroupIds !== undefined) {
    if (filter.cgroupIds.length === 0) matchesNothing = true;
    clauses.push([...new Set(filter.cgroupIds)].map((id) => [cgroupCondition(id)]));
  }
  if (matchesNothing) return rejectAll();
  if (clauses.length === 0) return null;

  const ops: Op[] = [];
  for (const alternatives of clauses) {
    // JMPs to this clause's end, patched once the clause is laid out.
    const exits: Op[] = [];
    alternatives.forEach((test, i) => {
      const last = i === alternatives.length - 1;
      // Failing any op of this alternative: try the next one (after our JMP), or reject.
      const onFail = last ? REJECT : ops.length + test.length + 1;
      for (const op of test) ops.push({ ...op, no: onFail });
      if (!last) {
        const exit: Op = { code: BC_JMP, size: OP_SIZE, no: 0, operands: () => {} };
        exits.push(exit);
        ops.push(exit);
      }
    });
    for (const exit of exits) exit.no = ops.length;
  }
  return assemble(ops);
}

/** `INET_DIAG_BC_CGROUP_COND`: the op, then the u64 id in host order (kernels 5.9+; older ones reject it with EINVAL). */
function cgroupCondition(id: bigint): Test[number] {
  if (id < 0n || id >= 1n << 64n) throw new RangeError(`cgroup id out of range: ${id}`);
  return {
    code: BC_CGROUP_COND,
    size: OP_SIZE + 8,
    operands: (buf, at) => {
      if (LITTLE_ENDIAN) buf.writeBigUInt64LE(id, at);
      else buf.writeBigUInt64BE(id, at);
    },
  };
}

/** A program that rejects every socket: one JMP to end + 4 (the audit allows exactly that). */
function rejectAll(): Buffer {
  return assemble([{ code: BC_JMP, size: OP_SIZE, no: REJECT, operands: () => {} }]);
}

/** Lays the ops out and resolves each `no` target into a byte offset relative to its op. */
function assemble(ops: readonly Op[]): Buffer {
  const offsets: number[] = [];
  let total = 0;
  for (const op of ops) {
    offsets.push(total);
    total += op.size;
  }
  offsets.push(total);
  if (total > MAX_PROGRAM) throw new RangeError(`socket filter too large for inet_diag bytecode (${total} bytes, at most ${MAX_PROGRAM})`);
  const buf = Buffer.alloc(total);
  ops.forEach((op, i) => {
    const at = offsets[i]!;
    const target = op.no === REJECT ? total + 4 : offsets[op.no]!;
    buf[at] = op.code;
    buf[at + 1] = op.size;
    writeU16(buf, at + 2, target - at);
    op.operands(buf, at + OP_SIZE);
  });
  return buf;
}

function writeU16(buf: Buffer, at: number, value: number): void {
  if (LITTLE_ENDIAN) buf.writeUInt16LE(value, at);
  else buf.writeUInt16BE(value, at);
}

function writeI32(buf: Buffer, at: number, value: number): void {
  if (LITTLE_ENDIAN) buf.writeInt32LE(value, at);
  else buf.writeInt32BE(value, at);
}

/** A port compare op: the port travels in the `no` of a second op word (its code and `yes` are unused: zero). */
function portCompare(code: number, port: number): Test[number] {
  return { code, size: 2 * OP_SIZE, operands: (buf, at) => writeU16(buf, at + 2, port) };
}

function portTest(side: 'local' | 'remote', [low, high]: PortRange): Test {
  const local = side === 'local';
  // One port: a 12-byte host condition with no address beats GE + LE (16 bytes).
  if (low === high) return [hostCondition(local ? BC_S_COND : BC_D_COND, AF_UNSPEC, 0, low, new Uint8Array(0))];
  const test: Test = [];
  if (low > 0) test.push(portCompare(local ? BC_S_GE : BC_D_GE, low));
  if (high < 0xffff) test.push(portCompare(local ? BC_S_LE : BC_D_LE, high));
  return test;
}

function hostCondition(code: number, family: number, prefixLength: number, port: number, address: Uint8Array): Test[number] {
  return {
    code,
    size: OP_SIZE + HOSTCOND_SIZE + address.length,
    operands: (buf, at) => {
      buf[at] = family;
      buf[at + 1] = prefixLength;
      writeI32(buf, at + 4, port);
      buf.set(address, at + HOSTCOND_SIZE);
    },
  };
}

/** Validated, sorted ranges with overlapping and adjacent ones merged. */
function mergePortRanges(ranges: readonly PortRange[]): [number, number][] {
  const sorted = ranges
    .map(([low, high]): [number, number] => {
      if (!isPort(low) || !isPort(high) || low > high) throw new RangeError(`invalid port range [${String(low)}, ${String(high)}]`);
      return [low, high];
    })
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of sorted) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && range[0] <= previous[1] + 1) previous[1] = Math.max(previous[1], range[1]);
    else merged.push(range);
  }
  return merged;
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff;
}

/** Validated prefixes, host bits cleared, without duplicates or prefixes another one contains. */
function simplifyPrefixes(prefixes: readonly AddressPrefix[]): AddressPrefix[] {
  const unique = new Map<string, AddressPrefix>();
  for (const prefix of prefixes) {
    const size = prefix.family === 'inet' ? 4 : prefix.family === 'inet6' ? 16 : undefined;
    if (size === undefined) throw new RangeError(`invalid address family ${String(prefix.family)}`);
    if (!(prefix.bytes instanceof Uint8Array) || prefix.bytes.length !== size) throw new RangeError(`an ${prefix.family} address must be ${size} bytes`);
    if (!Number.isInteger(prefix.prefixLength) || prefix.prefixLength < 0 || prefix.prefixLength > 8 * size) {
      throw new RangeError(`invalid ${prefix.family} prefix length ${String(prefix.prefixLength)}`);
    }
    const bytes = maskBits(prefix.bytes, prefix.prefixLength);
    const canonical: AddressPrefix = { family: prefix.family, bytes, prefixLength: prefix.prefixLength };
    unique.set(`${prefix.family}/${prefix.prefixLength}/${Buffer.from(bytes).toString('hex')}`, canonical);
  }
  const list = [...unique.values()];
  // Distinct prefixes never contain each other both ways, so dropping every contained one keeps the union.
  return list.filter((inner) => !list.some((outer) => outer !== inner && contains(outer, inner)));
}

/** A copy of `bytes` with every bit past the first `bits` cleared. */
function maskBits(bytes: Uint8Array, bits: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.min(8, Math.max(0, bits - 8 * i));
    out[i]! &= (0xff00 >> keep) & 0xff;
  }
  return out;
}

/** The v4-mapped prefix ::ffff:0:0/96. */
const MAPPED = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff);

/** Whether every socket `inner` matches, `outer` matches too (both already masked). */
function contains(outer: AddressPrefix, inner: AddressPrefix): boolean {
  if (outer.family === inner.family) return outer.prefixLength <= inner.prefixLength && sameBits(outer.bytes, inner.bytes, outer.prefixLength);
  // An 'inet' prefix never matches AF_INET6 sockets outside ::ffff:0:0/96, and
  // an 'inet6' one never matches AF_INET sockets.
  if (outer.family === 'inet6') return false;
  return (
    inner.prefixLength >= 96 + outer.prefixLength &&
    sameBits(inner.bytes, MAPPED, 96) &&
    sameBits(inner.bytes.subarray(12), outer.bytes, outer.prefixLength)
  );
}

function sameBits(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; 8 * i < bits; i++) {
    const mask = (0xff00 >> Math.min(8, bits - 8 * i)) & 0xff;
    if (((a[i]! ^ b[i]!) & mask) !== 0) return false;
  }
  return true;
}
