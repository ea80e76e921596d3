/**
 * `-i` from rtnetlink dumps: the TS decoder over recorded RTM_GETLINK /
 * RTM_GETADDR replies (fixtures/interfaces/rtnetlink, recorded together with
 * /usr/bin/netstat's output at the same moment), and the decoder's error and
 * narrowing rules on hand-built messages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInterfacesPass } from '../../src/modes/interfaces';
import { decodeIpv4Addresses, decodeLinks, netlinkMessages, RTM_GETLINK, rtnetlinkFacts } from '../../src/backends/interfaces/rtnetlink';
import { runPass } from '../harness/modes';

const FIXTURE = path.resolve(__dirname, '../../fixtures/interfaces/rtnetlink');

const dump = (type: number): Buffer => readFileSync(path.join(FIXTURE, type === RTM_GETLINK ? 'link.bin' : 'addr.bin'));

describe('recorded rtnetlink dumps give net-tools output', () => {
  for (const expected of readdirSync(path.join(FIXTURE, 'expected'))) {
    const args = expected.replace(/^netstat/, '').replace(/\.out$/, '');
    it(`netstat ${args}`, async () => {
      const result = await runPass(createInterfacesPass(rtnetlinkFacts(dump)), path.join(FIXTURE, 'proc'), [args]);
      expect(result).toEqual({ stdout: readFileSync(path.join(FIXTURE, 'expected', expected), 'latin1'), stderr: '', status: 0 });
    });
  }
});

/** One netlink message: header + body, padded to 4 bytes. */
function message(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + body.length, 0);
  header.writeUInt16LE(type, 4);
  const padding = Buffer.alloc((4 - (body.length % 4)) % 4);
  return Buffer.concat([header, body, padding]);
}

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(4 + value.length, 0);
  header.writeUInt16LE(type, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

describe('rtnetlink decoding rules', () => {
  it('an NLMSG_ERROR reply throws with its errno', () => {
    const error = Buffer.alloc(4);
    error.writeInt32LE(-1, 0);
    expect(() => netlinkMessages(message(2, error))).toThrow(expect.objectContaining({ code: 'ERR_RTNETLINK', errno: 1 }));
  });

  it('an NLMSG_ERROR status that is no kernel errno (outside -1…-4095) is malformed', () => {
    for (const status of [-4096, 1, -(2 ** 31)]) {
      const error = Buffer.alloc(4);
      error.writeInt32LE(status, 0);
      expect(() => netlinkMessages(message(2, error)), String(status)).toThrow(expect.objectContaining({ code: 'EBADMSG' }));
    }
  });

  it('a message longer than the bytes received is malformed', () => {
    const bytes = message(16, Buffer.alloc(16));
    bytes.writeUInt32LE(400, 0);
    expect(() => netlinkMessages(bytes)).toThrow(expect.objectContaining({ code: 'EBADMSG' }));
  });

  it('narrows the device map and flags to what SIOCGIFMAP / SIOCGIFFLAGS carry', () => {
    const info = Buffer.alloc(16);
    info.writeUInt16LE(1, 2); // ARPHRD_ETHER
    info.writeUInt32LE(0x11043, 8); // UP|BROADCAST|RUNNING|MULTICAST + IFF_LOWER_UP (bit 16)
    const map = Buffer.alloc(32);
    map.writeBigUInt64LE(0xfe000000n, 0);
    map.writeBigUInt64LE(0xfe01ffffn, 8);
    map.writeBigUInt64LE(0x1e000n, 16);
    map.writeUInt16LE(0x10b, 24); // irq 267: struct ifmap keeps a char
    map.writeUInt8(3, 26);
    map.writeUInt8(2, 27); // if_port: 10baseT
    const body = Buffer.concat([
      info,
      attribute(3, Buffer.from('eth9\0', 'latin1')),
      attribute(1, Buffer.from([2, 0, 0, 0, 0, 1])),
      attribute(4, Buffer.from([0xdc, 0x05, 0, 0])),
      attribute(14, map),
    ]);
    const link = decodeLinks(Buffer.concat([message(16, body), message(3, Buffer.alloc(4))])).get('eth9')!;
    expect(link.flags).toBe(0x1043);
    expect(link.mtu).toBe(1500);
    expect(link.hwAddress).toEqual([2, 0, 0, 0, 0, 1, 0, 0]);
    expect(link.txQueueLen).toBeNull();
    expect(link.map).toEqual({ memStart: 0xfe000000n, memEnd: 0xfe01ffffn, baseAddr: 0xe000, irq: 0x0b, dma: 3, port: 2 });
  });

  it('takes IFA_LOCAL as the address and IFA_ADDRESS as the peer; no IFA_BROADCAST reads 0.0.0.0', () => {
    const header = Buffer.from([2, 32, 0, 0, 7, 0, 0, 0]);
    const body = Buffer.concat([
      header,
      attribute(1, Buffer.from([10, 7, 7, 2])),
      attribute(2, Buffer.from([10, 7, 7, 1])),
      attribute(3, Buffer.from('tun7\0', 'latin1')),
    ]);
    expect(decodeIpv4Addresses(message(20, body))).toEqual([
      { label: 'tun7', address: '10.7.7.1', netmask: '255.255.255.255', broadcast: '0.0.0.0', destination: '10.7.7.2' },
    ]);
  });
});
