import * as net from 'node:net';

/**
 * Addresses as PROXY protocol v2 carries them (network byte order) and as node:net reports
 * them (text), both ways, so a header's client reads exactly as a direct peer would.
 */

/** `a.b.c.d` from 4 bytes at `at`. */
export function ipv4Text(bytes: Buffer, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/**
 * RFC 5952 text of the 16 bytes at `at`, as node:net shows a peer: lower-case hex, the longest
 * run (2 groups or more, the first of equal ones) of zero groups as `::`, and an IPv4-mapped
 * address as `::ffff:a.b.c.d`.
 */
export function ipv6Text(bytes: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.readUInt16BE(at + 2 * i));
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${ipv4Text(bytes, at + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The 4 bytes of an IPv4 address in text (`net.isIPv4` checked by the caller). */
export function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** The 16 bytes of an IPv6 address in text (`net.isIPv6` checked by the caller), a dotted IPv4 tail included. */
export function ipv6Bytes(text: string): Buffer {
  let address = text;
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  const out = Buffer.alloc(16);
  let tail: Buffer | undefined;
  const lastColon = address.lastIndexOf(':');
  if (address.includes('.', lastColon)) {
    tail = ipv4Bytes(address.slice(lastColon + 1));
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i));
  if (tail !== undefined) tail.copy(out, 12);
  return out;
}

/** An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as its IPv4 address; anything else as it is. */
export function unmapped(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/** 4 for IPv4, 6 for IPv6, 0 for anything else (a Unix path, ''). */
export function ipFamily(address: string): 0 | 4 | 6 {
  return net.isIP(address) as 0 | 4 | 6;
}
