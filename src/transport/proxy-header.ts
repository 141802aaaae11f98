import * as net from 'node:net';
import { ProxyProtocolError } from '../errors';
import { ipv4Text, ipv6Text } from './proxy-address';
import { readTlvs, type ProxyTlvFields } from './proxy-tlv';

/** Which PROXY protocol versions a listener accepts: text v1, binary v2, or either ('any'). */
export type ProxyProtocolVersion = 'v1' | 'v2' | 'any';

/** One end of the relayed connection as the header gives it: an IP and port, or a Unix path (port 0). */
export interface ProxyEndpoint {
  /** The IP address as text (IPv6 lower-case; from a v2 header, in compressed form), or the Unix socket path. */
  readonly address: string;
  /** The TCP or UDP port; 0 for a Unix socket. */
  readonly port: number;
}

/**
 * The relayed connection's family: TCP or UDP over IPv4/IPv6, a Unix stream or datagram socket,
 * or 'unknown' (v1 `UNKNOWN`, v2 `AF_UNSPEC`, and every v2 `LOCAL` header).
 */
export type ProxyFamily = 'tcp4' | 'tcp6' | 'udp4' | 'udp6' | 'unix' | 'unix-dgram' | 'unknown';

/**
 * A PROXY protocol header (HAProxy's proxy-protocol.txt), as read before anything else on a
 * listener with `proxyProtocol`. `source` and `destination` are there when the header names
 * the client (`PROXY TCP4 ...`, a v2 `PROXY` command with an address family); without them (v2
 * `LOCAL`: the proxy's own health check; v1 `UNKNOWN`) the socket's own addresses stand.
 */
export interface ProxyHeader extends ProxyTlvFields {
  /** 1: the text header (`PROXY TCP4 ...`); 2: the binary one. */
  readonly version: 1 | 2;
  /** 'PROXY': relayed for a client; 'LOCAL' (v2 only): the proxy's own connection, e.g. a health check. */
  readonly command: 'PROXY' | 'LOCAL';
  /** The relayed connection's family; 'unknown' when the header names no addresses. */
  readonly family: ProxyFamily;
  /** The client, as the proxy saw it. */
  readonly source?: ProxyEndpoint;
  /** The address the client connected to (the proxy's frontend). */
  readonly destination?: ProxyEndpoint;
  /** Bytes the header took on the wire. */
  readonly length: number;
}

/** A socket's own two ends, as node:net reports them. */
export interface SocketAddresses {
  /** The peer's IP address. */
  readonly remoteAddress: string;
  /** The peer's port. */
  readonly remotePort: number;
  /** Our end's IP address. */
  readonly localAddress: string;
  /** Our end's port. */
  readonly localPort: number;
}

/**
 * `conn.proxy` on a connection accepted through a PROXY header: the header, and `socket`, the
 * socket's own addresses (the proxy's end of the hop), which `conn.remoteAddress` and friends no
 * longer show when the header named the client.
 */
export interface ProxyInfo extends ProxyHeader {
  /** The socket's own ends: the proxy as the remote end, this listener as the local one. */
  readonly socket: SocketAddresses;
}

/**
 * @internal
 * A connection's ends once `header` is read on a socket whose own ends are `own`: the header's
 * client and destination when it names them (a LOCAL or UNKNOWN header does not: `own` stay),
 * and `conn.proxy`, keeping `own` as `proxy.socket`. The one rule for sockets and the testing kit.
 */
export function proxiedEnds(header: ProxyHeader, own: SocketAddresses): SocketAddresses & { readonly proxy: ProxyInfo } {
  const { source, destination } = header;
  const proxy: ProxyInfo = { ...header, socket: own };
  if (source === undefined || destination === undefined) return { ...own, proxy };
  return { remoteAddress: source.address, remotePort: source.port, localAddress: destination.address, localPort: destination.port, proxy };
}

/** @internal A decoded header and the bytes that followed it in the same read (the stream's first bytes), if any. */
export interface ProxyHeaderRead {
  readonly header: ProxyHeader;
  readonly rest: Buffer | undefined;
}

/** The 12 bytes every v2 header starts with. */
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** The spec's bound on a v1 line, CRLF included ("PROXY UNKNOWN" + two IPv6 addresses and ports). */
export const V1_MAX_BYTES = 107;
const V2_FIXED = 16;
/** Smallest allowed `maxHeaderBytes`: a v2 header with the largest address block (AF_UNIX) and no TLV. */
export const MIN_HEADER_BYTES = V2_FIXED + 216;
/** Largest v2 header there can be (the length field is 16 bits). */
export const MAX_HEADER_BYTES = V2_FIXED + 0xffff;
const NO_TLVS: ProxyTlvFields = { tlvs: [], checksumVerified: false };

/**
 * @internal
 * Reads one PROXY header from a byte stream cut anywhere (one byte at a time works). The first
 * bytes decide: they must begin the v2 signature or `PROXY ` (as `accept` allows), else the
 * header is `missing` at once — the spec forbids guessing whether one is there. Holds at most
 * `maxHeaderBytes` (a v2 header's declared length is checked before its body is buffered) and
 * 107 for v1. `push` throws `ProxyProtocolError`; after a header or an error, do not push again.
 */
export class ProxyHeaderDecoder {
  private held: Buffer | undefined;
  private heldLength = 0;

  constructor(
    private readonly accept: ProxyProtocolVersion,
    private readonly maxHeaderBytes: number,
  ) {}

  /** Bytes held for an unfinished header. */
  get bufferedBytes(): number {
    return this.heldLength;
  }

  /** Feeds a chunk; returns the header (and what followed it) once complete, else undefined. */
  push(chunk: Buffer): ProxyHeaderRead | undefined {
    if (chunk.length === 0) return undefined;
    if (this.heldLength === 0) {
      // The usual case: the whole header in the first read, parsed where it lies.
      const parsed = this.parse(chunk, chunk.length);
      if (parsed !== undefined) return { header: parsed, rest: parsed.length < chunk.length ? chunk.subarray(parsed.length) : undefined };
      this.hold(chunk);
      return undefined;
    }
    const before = this.heldLength;
    this.hold(chunk);
    const parsed = this.parse(this.held as Buffer, this.heldLength);
    if (parsed === undefined) return undefined;
    const fromChunk = parsed.length - before;
    return { header: parsed, rest: fromChunk < chunk.length ? chunk.subarray(fromChunk) : undefined };
  }

  /**
   * Appends `chunk` to the held bytes, at most up to `maxHeaderBytes + 1` in all: a header never
   * needs more, and one byte past the limit is enough for parse() to refuse. What is not copied
   * stays in `chunk`, where `push` finds what followed the header.
   */
  private hold(chunk: Buffer): void {
    const room = Math.min(chunk.length, this.maxHeaderBytes + 1 - this.heldLength);
    let held = this.held;
    if (held === undefined || held.length < this.heldLength + room) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxHeaderBytes + 1, Math.max(256, 2 * (this.heldLength + room))));
      if (held !== undefined) held.copy(grown, 0, 0, this.heldLength);
      this.held = held = grown;
    }
    chunk.copy(held, this.heldLength, 0, room);
    this.heldLength += room;
  }

  /** The header in `bytes[0, length)` if complete, else undefined; throws when it cannot be one. */
  private parse(bytes: Buffer, length: number): ProxyHeader | undefined {
    const first = bytes[0];
    if (first === V2_SIGNATURE[0] && this.accept !== 'v1') return this.parseV2(bytes, length);
    if (first === V1_PREFIX[0] && this.accept !== 'v2') return this.parseV1(bytes, length);
    throw new ProxyProtocolError('missing', `expected a PROXY protocol ${this.accept === 'any' ? 'v1 or v2' : this.accept} header, got ${describeStart(bytes, length)}`);
  }

  private parseV1(bytes: Buffer, length: number): ProxyHeader | undefined {
    const prefix = Math.min(length, V1_PREFIX.length);
    if (bytes.compare(V1_PREFIX, 0, prefix, 0, prefix) !== 0) throw new ProxyProtocolError('missing', `expected a PROXY protocol header, got ${describeStart(bytes, length)}`);
    const scan = Math.min(length, V1_MAX_BYTES);
    let lf = -1;
    for (let i = V1_PREFIX.length; i < scan; i++) {
      if (bytes[i] === 0x0a) {
        lf = i;
        break;
      }
    }
    if (lf < 0) {
      if (length >= V1_MAX_BYTES) throw new ProxyProtocolError('oversized', `PROXY v1 header: no CRLF within ${V1_MAX_BYTES} bytes`);
      return undefined;
    }
    if (bytes[lf - 1] !== 0x0d) throw new ProxyProtocolError('malformed', 'PROXY v1 header: the line ends in LF without CR');
    const line = bytes.toString('latin1', 0, lf - 1);
    return parseV1Line(line, lf + 1);
  }

  private parseV2(bytes: Buffer, length: number): ProxyHeader | undefined {
    const prefix = Math.min(length, V2_SIGNATURE.length);
    if (bytes.compare(V2_SIGNATURE, 0, prefix, 0, prefix) !== 0) throw new ProxyProtocolError('missing', `expected a PROXY protocol header, got ${describeStart(bytes, length)}`);
    if (length < V2_FIXED) return undefined;
    const versionCommand = bytes[12];
    if (versionCommand >> 4 !== 2) throw new ProxyProtocolError('malformed', `PROXY v2 header: version ${versionCommand >> 4} (2 expected)`);
    const command = versionCommand & 0x0f;
    if (command > 1) throw new ProxyProtocolError('malformed', `PROXY v2 header: unknown command ${command} (0 LOCAL, 1 PROXY)`);
    const total = V2_FIXED + bytes.readUInt16BE(14);
    // Checked before the body is buffered: a declared length over the limit is refused at once.
    if (total > this.maxHeaderBytes) throw new ProxyProtocolError('oversized', `PROXY v2 header of ${total} bytes exceeds maxHeaderBytes (${this.maxHeaderBytes})`);
    if (length < total) return undefined;
    const header = bytes.subarray(0, total);
    return command === 0 ? parseLocal(header, total) : parseProxy(header, total);
  }
}

/** `PROXY TCP4 <src> <dst> <sport> <dport>` (or TCP6), or `PROXY UNKNOWN[ anything]`. */
function parseV1Line(line: string, length: number): ProxyHeader {
  const parts = line.split(' ');
  const protocol = parts[1];
  if (protocol === 'UNKNOWN') return { version: 1, command: 'PROXY', family: 'unknown', length, ...NO_TLVS };
  if (protocol !== 'TCP4' && protocol !== 'TCP6') throw new ProxyProtocolError('malformed', `PROXY v1 header: protocol ${JSON.stringify(protocol)} (TCP4, TCP6 or UNKNOWN expected)`);
  if (parts.length !== 6) throw new ProxyProtocolError('malformed', `PROXY v1 header: ${parts.length - 2} fields after ${protocol} (4 expected, single spaces)`);
  const ip = protocol === 'TCP4' ? 4 : 6;
  const source = { address: v1Address(parts[2], ip), port: v1Port(parts[4]) };
  const destination = { address: v1Address(parts[3], ip), port: v1Port(parts[5]) };
  return { version: 1, command: 'PROXY', family: ip === 4 ? 'tcp4' : 'tcp6', source, destination, length, ...NO_TLVS };
}

function v1Address(text: string, ip: 4 | 6): string {
  if (net.isIP(text) !== ip) throw new ProxyProtocolError('malformed', `PROXY v1 header: ${JSON.stringify(text)} is not an IPv${ip} address`);
  return ip === 6 ? text.toLowerCase() : text;
}

function v1Port(text: string): number {
  // Decimal, no sign, no leading zero (the spec's "0 to 65535" as HAProxy writes it).
  if (!/^(0|[1-9]\d{0,4})$/.test(text) || Number(text) > 65535) throw new ProxyProtocolError('malformed', `PROXY v1 header: ${JSON.stringify(text)} is not a port`);
  return Number(text);
}

/** Address block sizes by address family nibble: AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX. */
const ADDRESS_BYTES = [0, 12, 36, 216];

/**
 * LOCAL (the proxy's own connection, e.g. HAProxy's health check): the addresses, and the family,
 * are to be ignored; TLVs may follow the address block (HAProxy sends a CRC32C one), so they are
 * still read, from after a block of the family's size when the family is a known one.
 */
function parseLocal(header: Buffer, total: number): ProxyHeader {
  const family = header[13] >> 4;
  const skip = family < ADDRESS_BYTES.length ? ADDRESS_BYTES[family] : total - V2_FIXED;
  const tlvFrom = V2_FIXED + Math.min(skip, total - V2_FIXED);
  return { version: 2, command: 'LOCAL', family: 'unknown', length: total, ...readTlvs(header, tlvFrom) };
}

function parseProxy(header: Buffer, total: number): ProxyHeader {
  const familyByte = header[13];
  const af = familyByte >> 4;
  const transport = familyByte & 0x0f;
  if (af >= ADDRESS_BYTES.length) throw new ProxyProtocolError('malformed', `PROXY v2 header: unknown address family ${af}`);
  if (transport > 2) throw new ProxyProtocolError('malformed', `PROXY v2 header: unknown transport protocol ${transport}`);
  const addressBytes = ADDRESS_BYTES[af];
  if (total - V2_FIXED < addressBytes) throw new ProxyProtocolError('malformed', `PROXY v2 header: ${total - V2_FIXED} bytes cannot hold the ${addressBytes}-byte address block of family ${af}`);
  const tlvs = readTlvs(header, V2_FIXED + addressBytes);
  if (af === 0 || transport === 0) return { version: 2, command: 'PROXY', family: 'unknown', length: total, ...tlvs };
  const a = V2_FIXED;
  const dgram = transport === 2;
  if (af === 1) {
    const source = { address: ipv4Text(header, a), port: header.readUInt16BE(a + 8) };
    const destination = { address: ipv4Text(header, a + 4), port: header.readUInt16BE(a + 10) };
    return { version: 2, command: 'PROXY', family: dgram ? 'udp4' : 'tcp4', source, destination, length: total, ...tlvs };
  }
  if (af === 2) {
    const source = { address: ipv6Text(header, a), port: header.readUInt16BE(a + 32) };
    const destination = { address: ipv6Text(header, a + 16), port: header.readUInt16BE(a + 34) };
    return { version: 2, command: 'PROXY', family: dgram ? 'udp6' : 'tcp6', source, destination, length: total, ...tlvs };
  }
  const source = { address: unixPath(header, a), port: 0 };
  const destination = { address: unixPath(header, a + 108), port: 0 };
  return { version: 2, command: 'PROXY', family: dgram ? 'unix-dgram' : 'unix', source, destination, length: total, ...tlvs };
}

/** A 108-byte, NUL-padded `sun_path`. */
function unixPath(header: Buffer, at: number): string {
  const end = header.indexOf(0, at);
  return header.toString('utf8', at, end < 0 || end > at + 108 ? at + 108 : end);
}

/** The first bytes, printable, for an error message (never more than 16). */
function describeStart(bytes: Buffer, length: number): string {
  const shown = bytes.subarray(0, Math.min(length, 16));
  return JSON.stringify(shown.toString('latin1')) + (length > 16 ? '...' : '');
}
