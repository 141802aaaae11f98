import { ProxyProtocolError } from '../errors';

/** One type-length-value field of a PROXY v2 header, as received (`type` per proxy-protocol.txt §2.2). */
export interface ProxyTlv {
  /** The type byte, 0 to 255 (0x01 ALPN, 0x02 authority, 0x20 SSL..., 0xE0 to 0xEF custom). */
  readonly type: number;
  /** The value bytes (a copy, not a view of the read buffer). */
  readonly value: Buffer;
}

/** What the SSL TLV (PP2_TYPE_SSL, 0x20) says of the client's connection to the proxy. */
export interface ProxySslInfo {
  /** The client connected over SSL/TLS (PP2_CLIENT_SSL). */
  readonly ssl: boolean;
  /** It sent a certificate on this connection (PP2_CLIENT_CERT_CONN). */
  readonly certConnection: boolean;
  /** It sent a certificate in this TLS session, maybe on an earlier connection (PP2_CLIENT_CERT_SESS). */
  readonly certSession: boolean;
  /** Its certificate was verified (the `verify` field is 0); false when none was presented. */
  readonly verified: boolean;
  /** PP2_SUBTYPE_SSL_VERSION, e.g. 'TLSv1.3'. */
  readonly version?: string;
  /** PP2_SUBTYPE_SSL_CN: the client certificate's Common Name. */
  readonly commonName?: string;
  /** PP2_SUBTYPE_SSL_CIPHER, e.g. 'ECDHE-RSA-AES128-GCM-SHA256'. */
  readonly cipher?: string;
  /** PP2_SUBTYPE_SSL_SIG_ALG: the certificate's signature algorithm. */
  readonly signatureAlgorithm?: string;
  /** PP2_SUBTYPE_SSL_KEY_ALG: the certificate's key algorithm. */
  readonly keyAlgorithm?: string;
  /** Every sub-TLV, as received. */
  readonly tlvs: readonly ProxyTlv[];
}

/** What the TLVs of a v2 header say, decoded; `tlvs` keeps every one as received (unknown types too). */
export interface ProxyTlvFields {
  /** Every TLV of the header in wire order, unknown types included; empty for a v1 header. */
  readonly tlvs: readonly ProxyTlv[];
  /** PP2_TYPE_ALPN: the application protocol the client negotiated with the proxy, e.g. 'h2'. */
  readonly alpn?: string;
  /** PP2_TYPE_AUTHORITY: the host name the client asked for (TLS SNI). */
  readonly authority?: string;
  /** PP2_TYPE_UNIQUE_ID: the proxy's id of this connection (at most 128 bytes). */
  readonly uniqueId?: Buffer;
  /** PP2_TYPE_SSL: the client's TLS connection to the proxy. */
  readonly ssl?: ProxySslInfo;
  /** PP2_TYPE_NETNS: the network namespace the proxy accepted in. */
  readonly netns?: string;
  /** True when a PP2_TYPE_CRC32C TLV was present and matched (a mismatch refuses the header). */
  readonly checksumVerified: boolean;
}

const PP2_TYPE_ALPN = 0x01;
const PP2_TYPE_AUTHORITY = 0x02;
const PP2_TYPE_CRC32C = 0x03;
const PP2_TYPE_UNIQUE_ID = 0x05;
const PP2_TYPE_SSL = 0x20;
const PP2_SUBTYPE_SSL_VERSION = 0x21;
const PP2_SUBTYPE_SSL_CN = 0x22;
const PP2_SUBTYPE_SSL_CIPHER = 0x23;
const PP2_SUBTYPE_SSL_SIG_ALG = 0x24;
const PP2_SUBTYPE_SSL_KEY_ALG = 0x25;
const PP2_TYPE_NETNS = 0x30;
const MAX_UNIQUE_ID = 128;

/** Splits `bytes[from, to)` into TLVs; one that runs past `to` is a malformed header. */
function splitTlvs(bytes: Buffer, from: number, to: number, where: string): ProxyTlv[] {
  const tlvs: ProxyTlv[] = [];
  let at = from;
  while (at < to) {
    if (to - at < 3) throw new ProxyProtocolError('malformed', `PROXY v2 header: ${to - at} stray byte(s) where a ${where} TLV should start`);
    const type = bytes[at];
    const length = bytes.readUInt16BE(at + 1);
    const end = at + 3 + length;
    if (end > to) throw new ProxyProtocolError('malformed', `PROXY v2 header: ${where} TLV 0x${type.toString(16)} of ${length} bytes runs past the end of the header`);
    // Copied: the header may sit in a large pooled read buffer a reference would keep alive.
    tlvs.push({ type, value: Buffer.from(bytes.subarray(at + 3, end)) });
    at = end;
  }
  return tlvs;
}

/**
 * The TLVs of the v2 header `header` (the whole header, signature first), from offset `from`;
 * a CRC32C TLV is checked against the header with its value zeroed, as the spec computes it.
 */
export function readTlvs(header: Buffer, from: number): ProxyTlvFields {
  const tlvs = splitTlvs(header, from, header.length, 'a');
  let alpn: string | undefined;
  let authority: string | undefined;
  let uniqueId: Buffer | undefined;
  let ssl: ProxySslInfo | undefined;
  let netns: string | undefined;
  let checksumVerified = false;
  let at = from;
  for (const tlv of tlvs) {
    switch (tlv.type) {
      case PP2_TYPE_ALPN:
        alpn = tlv.value.toString('latin1');
        break;
      case PP2_TYPE_AUTHORITY:
        authority = tlv.value.toString('utf8');
        break;
      case PP2_TYPE_CRC32C:
        checkCrc(header, at + 3, tlv.value);
        checksumVerified = true;
        break;
      case PP2_TYPE_UNIQUE_ID:
        if (tlv.value.length > MAX_UNIQUE_ID) throw new ProxyProtocolError('malformed', `PROXY v2 header: a unique id of ${tlv.value.length} bytes (at most ${MAX_UNIQUE_ID})`);
        uniqueId = tlv.value;
        break;
      case PP2_TYPE_SSL:
        ssl = readSsl(tlv.value);
        break;
      case PP2_TYPE_NETNS:
        netns = tlv.value.toString('latin1');
        break;
      default:
        // PP2_TYPE_NOOP, custom and unknown types: kept in `tlvs`, ignored as the spec asks.
        break;
    }
    at += 3 + tlv.value.length;
  }
  return { tlvs, alpn, authority, uniqueId, ssl, netns, checksumVerified };
}

function readSsl(value: Buffer): ProxySslInfo {
  if (value.length < 5) throw new ProxyProtocolError('malformed', `PROXY v2 header: an SSL TLV of ${value.length} bytes (at least 5: client flags and verify)`);
  const client = value[0];
  const verify = value.readUInt32BE(1);
  const tlvs = splitTlvs(value, 5, value.length, 'SSL sub-');
  const text = (type: number): string | undefined => tlvs.find((t) => t.type === type)?.value.toString('latin1');
  const certConnection = (client & 0x02) !== 0;
  const certSession = (client & 0x04) !== 0;
  return {
    ssl: (client & 0x01) !== 0,
    certConnection,
    certSession,
    verified: verify === 0 && (certConnection || certSession),
    version: text(PP2_SUBTYPE_SSL_VERSION),
    commonName: tlvs.find((t) => t.type === PP2_SUBTYPE_SSL_CN)?.value.toString('utf8'),
    cipher: text(PP2_SUBTYPE_SSL_CIPHER),
    signatureAlgorithm: text(PP2_SUBTYPE_SSL_SIG_ALG),
    keyAlgorithm: text(PP2_SUBTYPE_SSL_KEY_ALG),
    tlvs,
  };
}

function checkCrc(header: Buffer, valueAt: number, value: Buffer): void {
  if (value.length !== 4) throw new ProxyProtocolError('malformed', `PROXY v2 header: a CRC32C TLV of ${value.length} bytes (4 expected)`);
  const expected = value.readUInt32BE(0);
  // The checksum covers the whole header with the checksum field itself zeroed.
  const zeroed = Buffer.from(header);
  zeroed.fill(0, valueAt, valueAt + 4);
  const actual = crc32c(zeroed);
  if (actual !== expected) throw new ProxyProtocolError('checksum', `PROXY v2 header: CRC32C 0x${expected.toString(16)} does not match the header's 0x${actual.toString(16)}`);
}

let table: Uint32Array | undefined;

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as RFC 4960 and proxy-protocol.txt use it. */
export function crc32c(bytes: Uint8Array): number {
  table ??= makeTable();
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
