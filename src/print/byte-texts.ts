/**
 * Texts kept as bytes for the packed printer: one growing arena of latin1
 * bytes and, per slot (an address index, a port), where its text starts and
 * how long it is. Copying a short text from here into the output buffer is a
 * plain byte loop, with no string to flatten and no call into C++ per text.
 */
export class ByteTexts {
  /** Where each slot's bytes start in `bytes`; -1 while the slot has no text. */
  start: Int32Array;
  length: Int32Array;
  bytes: Uint8Array;
  /** The texts as strings too, for the rare field that needs string work (a cut endpoint). */
  readonly text: string[];
  private used = 0;

  constructor(slots: number) {
    this.start = new Int32Array(slots).fill(-1);
    this.length = new Int32Array(slots);
    // Room for a thousand short texts to start with; it doubles as needed.
    this.bytes = new Uint8Array(Math.min(Math.max(slots, 16), 1024) * 16);
    this.text = new Array<string>(slots);
  }

  /** Make room for slots up to `slots` (a streamed dump's address list grows batch by batch), keeping the texts. */
  ensureSlots(slots: number): void {
    if (slots <= this.start.length) return;
    const size = Math.max(slots, this.start.length * 2);
    const start = new Int32Array(size).fill(-1);
    start.set(this.start);
    const length = new Int32Array(size);
    length.set(this.length);
    this.start = start;
    this.length = length;
  }

  /** Store the text of a slot (one byte per char: the printer's strings are bytes already). */
  set(slot: number, text: string): void {
    const n = text.length;
    if (this.used + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + n));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    const bytes = this.bytes;
    const at = this.used;
    for (let i = 0; i < n; i++) bytes[at + i] = text.charCodeAt(i);
    this.start[slot] = at;
    this.length[slot] = n;
    this.text[slot] = text;
    this.used = at + n;
  }
}
