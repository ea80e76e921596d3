/**
 * Hostile edits of recorded netlink dumps, shared by the properties of the
 * decoders that read them (native-decode.test.ts: sock_diag through the
 * addon; rtnetlink-decode.test.ts: RTM_GETLINK/RTM_GETADDR in TypeScript):
 * lengths that lie (message and attribute), bytes flipped, batches cut
 * anywhere, NLMSG_ERROR/NLMSG_DONE statuses of any value, junk appended.
 */
import fc from 'fast-check';

/** Offsets of the netlink messages of a recording (each header's nlmsg_len). */
function messageOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at + 16 <= bytes.length; ) {
    offsets.push(at);
    const length = bytes.readUInt32LE(at);
    if (length < 16) break;
    at += Math.ceil(length / 4) * 4; // NLMSG_ALIGN, without 32-bit wrap-around
  }
  return offsets;
}

type Edit = (bytes: Buffer, pick: number, value: number) => Buffer;

const edits: Record<string, Edit> = {
  // nlmsg_len of one message set to anything.
  messageLength: (b, pick, value) => {
    const offsets = messageOffsets(b);
    if (offsets.length > 0) b.writeUInt32LE(value >>> 0, offsets[pick % offsets.length]!);
    return b;
  },
  // A 16-bit word inside a message (often an attribute's nla_len or nla_type).
  word: (b, pick, value) => {
    if (b.length >= 2) b.writeUInt16LE(value & 0xffff, (pick * 2) % (b.length - 1));
    return b;
  },
  flip: (b, pick, value) => {
    b[pick % b.length] ^= 1 << (value & 7);
    return b;
  },
  cut: (b, pick) => b.subarray(0, pick % (b.length + 1)),
  // The last message (NLMSG_DONE) turned into an error, or its status set to any int.
  status: (b, pick, value) => {
    const offsets = messageOffsets(b);
    if (offsets.length === 0) return b;
    const at = offsets[offsets.length - 1]!;
    if (pick % 2 === 0) b.writeUInt16LE(2, at + 4); // NLMSG_ERROR
    if (b.length >= at + 20) b.writeInt32LE(value | 0, at + 16);
    return b;
  },
  append: (b, pick, value) => Buffer.concat([b, Buffer.alloc(pick % 40, value & 0xff)]),
};

const edit = fc.tuple(fc.constantFrom(...Object.keys(edits)), fc.nat(), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }));

/** One of `recordings`, copied and edited one to four times. */
export function editedRecording(recordings: Buffer[]): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.nat({ max: recordings.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([which, steps]) => {
    let bytes: Buffer = Buffer.from(recordings[which]!);
    for (const [name, pick, value] of steps) if (bytes.length > 0) bytes = edits[name]!(bytes, pick, value);
    return bytes;
  });
}
