/**
 * Socket inode → holders, over the engine's packed owner rows, without a JS
 * object per socket.
 *
 * A complete walk on a server with 200k connections gives ~200k rows; a
 * `Map` of one array per inode costs ~90 bytes a socket (entry, array,
 * backing store) and builds 400k objects for the collector. This index keeps
 * the walk's own typed arrays (inode and PID per row), adds one open-addressed
 * table of first rows (4 bytes a slot, load ≤ ½) and one chain link per row
 * (the next holder of the same inode), and builds the holder array only when
 * `get` is asked — once per printed row. About 10 bytes a socket.
 *
 * Holders come in row order, which is the walk's `/proc` order; a process
 * that holds an inode through several fds is listed once (its rows are
 * consecutive: the walk reports a process's fds together), as the `Map` built
 * by the /proc walk in TypeScript does.
 */
import type { ProcessRef } from '../model';

/** No next holder. */
const END = -1;
/** A row repeating its inode's last holder: not linked. */
const REPEAT = -2;

export class PackedOwnerIndex implements ReadonlyMap<number, readonly ProcessRef[]> {
  readonly size: number;
  readonly #inodes: Float64Array;
  readonly #pids: Int32Array;
  readonly #processes: ReadonlyMap<number, ProcessRef>;
  /** Per slot: the first row of an inode, plus one; 0 = empty. */
  readonly #slots: Int32Array;
  readonly #shift: number;
  /** Per row: the row of the inode's next holder, END, or REPEAT. */
  readonly #next: Int32Array;

  /**
   * `inodes[i]` is held by the process `pids[i]`, whose record is
   * `processes.get(pids[i])`. The arrays are kept, not copied.
   */
  constructor(inodes: Float64Array, pids: Int32Array, processes: ReadonlyMap<number, ProcessRef>) {
    const rows = inodes.length;
    let bits = 4;
    while (1 << bits < 2 * rows) bits++;
    this.#inodes = inodes;
    this.#pids = pids;
    this.#processes = processes;
    this.#slots = new Int32Array(1 << bits);
    this.#shift = 32 - bits;
    this.#next = new Int32Array(rows);
    // Per slot, while building: the inode's last linked row.
    const last = new Int32Array(1 << bits);
    let size = 0;
    for (let row = 0; row < rows; row++) {
      const slot = this.#slotOf(inodes[row]!);
      const first = this.#slots[slot]!;
      this.#next[row] = END;
      if (first === 0) {
        this.#slots[slot] = row + 1;
        last[slot] = row;
        size++;
        continue;
      }
      const previous = last[slot]!;
      if (pids[previous] === pids[row]) {
        this.#next[row] = REPEAT;
      } else {
        this.#next[previous] = row;
        last[slot] = row;
      }
    }
    this.size = size;
  }

  get(inode: number): ProcessRef[] | undefined {
    const first = this.#slots[this.#slotOf(inode)]!;
    return first === 0 ? undefined : this.#holders(first - 1);
  }

  has(inode: number): boolean {
    return this.#slots[this.#slotOf(inode)] !== 0;
  }

  *entries(): MapIterator<[number, ProcessRef[]]> {
    for (let row = 0; row < this.#inodes.length; row++) {
      if (this.#isFirst(row)) yield [this.#inodes[row]!, this.#holders(row)];
    }
  }

  *keys(): MapIterator<number> {
    for (let row = 0; row < this.#inodes.length; row++) if (this.#isFirst(row)) yield this.#inodes[row]!;
  }

  *values(): MapIterator<ProcessRef[]> {
    for (let row = 0; row < this.#inodes.length; row++) if (this.#isFirst(row)) yield this.#holders(row);
  }

  [Symbol.iterator](): MapIterator<[number, ProcessRef[]]> {
    return this.entries();
  }

  forEach(callback: (holders: readonly ProcessRef[], inode: number, map: ReadonlyMap<number, readonly ProcessRef[]>) => void): void {
    for (const [inode, holders] of this.entries()) callback(holders, inode, this);
  }

  get [Symbol.toStringTag](): string {
    return 'PackedOwnerIndex';
  }

  /** The slot holding `inode`'s first row, or the empty slot where it would go (linear probing). */
  #slotOf(inode: number): number {
    // Socket inodes are 32-bit on Linux; the high word is folded in all the same.
    const hash = Math.imul((inode >>> 0) ^ Math.floor(inode / 0x1_0000_0000), 0x9e3779b1) >>> this.#shift;
    const mask = this.#slots.length - 1;
    for (let slot = hash; ; slot = (slot + 1) & mask) {
      const first = this.#slots[slot]!;
      if (first === 0 || this.#inodes[first - 1] === inode) return slot;
    }
  }

  #isFirst(row: number): boolean {
    return this.#slots[this.#slotOf(this.#inodes[row]!)] === row + 1;
  }

  #holders(first: number): ProcessRef[] {
    const holders: ProcessRef[] = [];
    for (let row = first; row !== END; row = this.#next[row]!) holders.push(this.#processes.get(this.#pids[row]!)!);
    return holders;
  }
}
