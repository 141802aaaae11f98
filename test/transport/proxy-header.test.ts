import fc from 'fast-check';
import { ProxyProtocolError, type ProxyHeader } from 'torsion';
import { splitBytes } from 'torsion/testing';
import { ProxyHeaderDecoder, V2_SIGNATURE, type ProxyProtocolVersion } from '../../src/transport/proxy-header';
import { crc32c } from '../../src/transport/proxy-tlv';
import { encodeProxyHeader } from '../../src/transport/proxy-header-encode';

/** A v2 header made by hand: signature, version/command, family, length, address block, TLVs. */
function v2(command: 0 | 1, family: number, address: Buffer, tlvs: Buffer[] = []): Buffer {
  const body = Buffer.concat([address, ...tlvs]);
  const fixed = Buffer.alloc(4);
  fixed[0] = 0x20 | command;
  fixed[1] = family;
  fixed.writeUInt16BE(body.length, 2);
  return Buffer.concat([V2_SIGNATURE, fixed, body]);
}

function tlv(type: number, value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  const head = Buffer.alloc(3);
  head[0] = type;
  head.writeUInt16BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

/** A header with a CRC32C TLV holding the right checksum (computed over it with the field zeroed). */
function withCrc(command: 0 | 1, family: number, address: Buffer, tlvs: Buffer[] = []): Buffer {
  const header = v2(command, family, address, [...tlvs, tlv(0x03, Buffer.alloc(4))]);
  header.writeUInt32BE(crc32c(header), header.length - 4);
  return header;
}

/** AF_INET STREAM: 127.0.0.1:51000 -> 10.0.0.2:443. */
const inet = Buffer.from([127, 0, 0, 1, 10, 0, 0, 2, 0xc7, 0x38, 0x01, 0xbb]);

function ipv6(groups: number[]): Buffer {
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}

/** Feeds `bytes` in the given chunks; the header and what followed it, joined. */
function decode(bytes: Buffer, options: { accept?: ProxyProtocolVersion; max?: number; split?: number | number[] } = {}): { header: ProxyHeader; rest: Buffer } | undefined {
  const decoder = new ProxyHeaderDecoder(options.accept ?? 'any', options.max ?? 4096);
  const chunks = splitBytes(bytes, options.split);
  for (let i = 0; i < chunks.length; i++) {
    const read = decoder.push(chunks[i]);
    if (read !== undefined) return { header: read.header, rest: Buffer.concat([read.rest ?? Buffer.alloc(0), ...chunks.slice(i + 1)]) };
  }
  return undefined;
}

function refusal(bytes: Buffer | string, options: { accept?: ProxyProtocolVersion; max?: number; split?: number } = {}): ProxyProtocolError {
  try {
    const read = decode(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, options);
    throw new Error(`not refused: ${JSON.stringify(read?.header)}`);
  } catch (error) {
    if (!(error instanceof ProxyProtocolError)) throw error;
    expect(error.code).toBe('TORSION_ERR_PROXY_PROTOCOL');
    return error;
  }
}

describe('PROXY protocol v1', () => {
  it('reads TCP4 and TCP6 lines, and the bytes after them', () => {
    const read = decode(Buffer.from('PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET /\r\n'));
    expect(read?.header).toMatchObject({ version: 1, command: 'PROXY', family: 'tcp4', source: { address: '192.0.2.1', port: 56324 }, destination: { address: '198.51.100.2', port: 443 }, length: 45, tlvs: [] });
    expect(read?.rest.toString()).toBe('GET /\r\n');
    const six = decode(Buffer.from('PROXY TCP6 2001:DB8::1 ::1 1 65535\r\n'));
    expect(six?.header).toMatchObject({ family: 'tcp6', source: { address: '2001:db8::1', port: 1 }, destination: { address: '::1', port: 65535 } });
    expect(six?.rest.length).toBe(0);
  });

  it('reads UNKNOWN (with or without addresses after it) as naming no client', () => {
    for (const line of ['PROXY UNKNOWN\r\n', 'PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n']) {
      const read = decode(Buffer.from(line));
      expect(read?.header).toMatchObject({ version: 1, family: 'unknown', length: line.length });
      expect(read?.header.source).toBeUndefined();
    }
  });

  it('reads a header cut into single bytes, and one whose end shares a chunk with the stream', () => {
    const bytes = Buffer.from('PROXY TCP4 127.0.0.1 127.0.0.1 40000 7000\r\nWHOAMI\r\n');
    const bytewise = decode(bytes, { split: 1 });
    expect(bytewise?.header.source).toEqual({ address: '127.0.0.1', port: 40000 });
    expect(bytewise?.rest.toString()).toBe('WHOAMI\r\n');
    expect(decode(bytes, { split: [44, 3] })?.rest.toString()).toBe('WHOAMI\r\n');
  });

  it('refuses what is not a header at the first byte that cannot begin one, never waiting or guessing', () => {
    expect(refusal('G', { split: 1 }).reason).toBe('missing');
    expect(refusal('PROXZ', { split: 1 }).reason).toBe('missing');
    expect(refusal('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n', { accept: 'v2' }).reason).toBe('missing');
  });

  it.each([
    ['PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'],
    ['PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n'],
    ['PROXY TCP4 ::1 5.6.7.8 1 2\r\n'],
    ['PROXY TCP6 1.2.3.4 ::1 1 2\r\n'],
    ['PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n'],
    ['PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'],
  ])('refuses the malformed line %j', (line) => {
    expect(refusal(line).reason).toBe('malformed');
  });

  it('refuses a line without CRLF within 107 bytes, holding no more', () => {
    const error = refusal(`PROXY UNKNOWN ${'x'.repeat(200)}`, { split: 1 });
    expect(error.reason).toBe('oversized');
    const decoder = new ProxyHeaderDecoder('v1', 4096);
    expect(decoder.push(Buffer.from(`PROXY UNKNOWN ${'x'.repeat(92)}`))).toBeUndefined(); // 106 bytes: may still end
    expect(() => decoder.push(Buffer.from('x'))).toThrow(ProxyProtocolError);
  });
});

describe('PROXY protocol v2', () => {
  it('reads AF_INET STREAM, and the stream bytes after it', () => {
    const read = decode(Buffer.concat([v2(1, 0x11, inet), Buffer.from('PING\r\n')]));
    expect(read?.header).toMatchObject({ version: 2, command: 'PROXY', family: 'tcp4', source: { address: '127.0.0.1', port: 51000 }, destination: { address: '10.0.0.2', port: 443 }, length: 28, checksumVerified: false });
    expect(read?.rest.toString()).toBe('PING\r\n');
  });

  it('reads AF_INET6 addresses in the text node:net uses (RFC 5952, IPv4-mapped dotted)', () => {
    const address = Buffer.concat([ipv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), ipv6([0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001]), Buffer.from([0x30, 0x39, 0x00, 0x50])]);
    const read = decode(v2(1, 0x21, address));
    expect(read?.header).toMatchObject({ family: 'tcp6', source: { address: '2001:db8::1:0:0:1', port: 12345 }, destination: { address: '::ffff:127.0.0.1', port: 80 } });
    const zeros = decode(v2(1, 0x22, Buffer.concat([ipv6([0, 0, 0, 0, 0, 0, 0, 0]), ipv6([0xfe80, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(4)])));
    expect(zeros?.header).toMatchObject({ family: 'udp6', source: { address: '::' }, destination: { address: 'fe80::' } });
  });

  it('reads AF_UNIX paths (NUL-padded, port 0)', () => {
    const paths = Buffer.alloc(216);
    paths.write('/run/client.sock', 0);
    paths.write('/run/haproxy.sock', 108);
    const read = decode(v2(1, 0x31, paths));
    expect(read?.header).toMatchObject({ family: 'unix', source: { address: '/run/client.sock', port: 0 }, destination: { address: '/run/haproxy.sock', port: 0 } });
  });

  it("reads LOCAL (HAProxy's health check: length 7, a CRC32C TLV only) as naming no client", () => {
    const header = withCrc(0, 0x00, Buffer.alloc(0));
    expect(header.length).toBe(23);
    const read = decode(header);
    expect(read?.header).toMatchObject({ version: 2, command: 'LOCAL', family: 'unknown', checksumVerified: true, length: 23 });
    expect(read?.header.source).toBeUndefined();
    // A LOCAL header with an address family: its block is skipped, never used.
    const addressed = decode(v2(0, 0x11, inet, [tlv(0x02, 'example.test')]));
    expect(addressed?.header).toMatchObject({ command: 'LOCAL', authority: 'example.test' });
    expect(addressed?.header.source).toBeUndefined();
  });

  it('reads AF_UNSPEC with the PROXY command as naming no client', () => {
    const header = decode(v2(1, 0x00, Buffer.alloc(0)))?.header;
    expect(header).toMatchObject({ command: 'PROXY', family: 'unknown' });
    expect(header?.source).toBeUndefined();
  });

  it('exposes TLVs: ALPN, authority, unique id, SSL with sub-TLVs, netns, unknown ones kept, CRC32C verified', () => {
    const sslBody = Buffer.concat([Buffer.from([0x07, 0, 0, 0, 0]), tlv(0x21, 'TLSv1.3'), tlv(0x22, 'client.example'), tlv(0x23, 'TLS_AES_128_GCM_SHA256'), tlv(0x24, 'SHA256'), tlv(0x25, 'RSA2048')]);
    const header = withCrc(1, 0x11, inet, [tlv(0x01, 'h2'), tlv(0x02, 'api.example.test'), tlv(0x05, Buffer.from([1, 2, 3])), tlv(0x20, sslBody), tlv(0x30, 'blue'), tlv(0xe0, 'custom'), tlv(0x04, '')]);
    const read = decode(header, { split: 1 });
    const h = read?.header as ProxyHeader;
    expect(h).toMatchObject({ alpn: 'h2', authority: 'api.example.test', netns: 'blue', checksumVerified: true });
    expect(h.uniqueId).toEqual(Buffer.from([1, 2, 3]));
    expect(h.ssl).toMatchObject({ ssl: true, certConnection: true, certSession: true, verified: true, version: 'TLSv1.3', commonName: 'client.example', cipher: 'TLS_AES_128_GCM_SHA256', signatureAlgorithm: 'SHA256', keyAlgorithm: 'RSA2048' });
    expect(h.tlvs.map((t) => t.type)).toEqual([0x01, 0x02, 0x05, 0x20, 0x30, 0xe0, 0x04, 0x03]);
    expect(h.tlvs[5].value.toString()).toBe('custom');
    // A client certificate that failed verification (verify != 0) is not verified.
    const unverified = decode(v2(1, 0x11, inet, [tlv(0x20, Buffer.from([0x03, 0, 0, 0, 1]))]));
    expect(unverified?.header.ssl).toMatchObject({ ssl: true, certConnection: true, verified: false });
  });

  it('refuses a CRC32C that does not match, whichever byte was changed', () => {
    const header = withCrc(1, 0x11, inet, [tlv(0x01, 'h2')]);
    for (const at of [12, 13, 17, 31, header.length - 1]) {
      const bad = Buffer.from(header);
      bad[at] ^= 0x01;
      expect(refusal(bad).reason).toBe('checksum');
    }
  });

  it('computes CRC-32C (Castagnoli) as the standard check value says', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('refuses a declared length over maxHeaderBytes as soon as the length is known, before buffering the body', () => {
    const fixed = Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x10, 0x01])]); // 4097 bytes follow
    const decoder = new ProxyHeaderDecoder('v2', 4096);
    expect(() => decoder.push(fixed)).toThrow(expect.objectContaining({ reason: 'oversized' }));
    expect(decode(v2(1, 0x11, inet, [tlv(0xe0, Buffer.alloc(5000))]), { max: 65551 })?.header.tlvs[0].value.length).toBe(5000);
  });

  it.each([
    ['version 1 in the version nibble', Buffer.concat([V2_SIGNATURE, Buffer.from([0x11, 0x11, 0, 12]), inet]), 'malformed'],
    ['command 2', Buffer.concat([V2_SIGNATURE, Buffer.from([0x22, 0x11, 0, 12]), inet]), 'malformed'],
    ['address family 4', v2(1, 0x41, inet), 'malformed'],
    ['transport protocol 3', v2(1, 0x13, inet), 'malformed'],
    ['AF_INET with 8 address bytes', v2(1, 0x11, inet.subarray(0, 8)), 'malformed'],
    ['AF_INET6 with 12 address bytes', v2(1, 0x21, inet), 'malformed'],
    ['a TLV running past the end', v2(1, 0x11, inet, [Buffer.from([0x01, 0x00, 0x09, 0x68])]), 'malformed'],
    ['two stray bytes after the TLVs', v2(1, 0x11, inet, [Buffer.from([0x01, 0x00])]), 'malformed'],
    ['a CRC32C TLV of 2 bytes', v2(1, 0x11, inet, [tlv(0x03, Buffer.alloc(2))]), 'malformed'],
    ['a unique id of 129 bytes', v2(1, 0x11, inet, [tlv(0x05, Buffer.alloc(129))]), 'malformed'],
    ['an SSL TLV of 4 bytes', v2(1, 0x11, inet, [tlv(0x20, Buffer.alloc(4))]), 'malformed'],
    ['a broken signature', Buffer.concat([Buffer.from('\r\n\r\n\0\r\nQUIX\n'), Buffer.alloc(4)]), 'missing'],
  ])('refuses %s', (_what, bytes, reason) => {
    expect(refusal(bytes).reason).toBe(reason);
    expect(refusal(bytes, { split: 1 }).reason).toBe(reason);
  });

  it('with accept v1, refuses a v2 header at its first byte', () => {
    expect(refusal(v2(1, 0x11, inet).subarray(0, 1), { accept: 'v1' }).reason).toBe('missing');
  });
});

describe('PROXY header encoding (what @Connect sends)', () => {
  it('encodes v1 and v2 that the decoder reads back, IPv4, IPv6 and mixed families', () => {
    const cases = [
      [{ address: '192.0.2.1', port: 1234 }, { address: '10.0.0.1', port: 80 }, 'tcp4', '192.0.2.1', '10.0.0.1'],
      [{ address: '::ffff:127.0.0.1', port: 5 }, { address: '127.0.0.1', port: 6 }, 'tcp4', '127.0.0.1', '127.0.0.1'],
      [{ address: '2001:db8::7', port: 1 }, { address: '::1', port: 2 }, 'tcp6', '2001:db8::7', '::1'],
      [{ address: '192.0.2.1', port: 1 }, { address: '::1', port: 2 }, 'tcp6', '::ffff:192.0.2.1', '::1'],
    ] as const;
    for (const [source, destination, family, s, d] of cases) {
      for (const version of ['v1', 'v2'] as const) {
        const read = decode(encodeProxyHeader(version, source, destination), { accept: version });
        expect(read?.header).toMatchObject({ version: version === 'v1' ? 1 : 2, family, source: { address: s, port: source.port }, destination: { address: d, port: destination.port } });
      }
    }
  });

  it('without IP endpoints sends v1 UNKNOWN and a v2 LOCAL header', () => {
    expect(encodeProxyHeader('v1', { address: '/run/a.sock', port: 0 }, { address: '', port: 0 }).toString()).toBe('PROXY UNKNOWN\r\n');
    expect(decode(encodeProxyHeader('v2', undefined, undefined))?.header).toMatchObject({ command: 'LOCAL', length: 16 });
  });
});

describe('PROXY header decoding, whatever the chunking (properties)', () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
  const ipv6Text = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
  const endpoint = (address: fc.Arbitrary<string>): fc.Arbitrary<{ address: string; port: number }> => fc.record({ address, port: fc.nat(65535) });

  it('reads the same header and the same following bytes for every split, v1 and v2, v4 and v6', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('v1' as const, 'v2' as const),
        fc.oneof(fc.tuple(endpoint(ipv4), endpoint(ipv4)), fc.tuple(endpoint(ipv6Text), endpoint(ipv6Text))),
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
        (version, [source, destination], after, sizes) => {
          const header = encodeProxyHeader(version, source, destination);
          const whole = decode(header);
          const read = decode(Buffer.concat([header, after]), { split: sizes });
          expect(read?.header).toEqual(whole?.header);
          expect(read?.rest).toEqual(Buffer.from(after));
          expect(read?.header.source?.port).toBe(source.port);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never accepts bytes that do not begin with a header, and never throws anything but ProxyProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 17 }), (bytes, size) => {
        const buffer = Buffer.from(bytes);
        try {
          const read = decode(buffer, { split: size });
          // Only a well-formed header can come out; random bytes rarely make one.
          if (read !== undefined) expect(buffer[0] === 0x50 || buffer[0] === 0x0d).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ProxyProtocolError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a v2 header with any one signature byte changed', () => {
    fc.assert(
      fc.property(fc.nat(11), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const bad = v2(1, 0x11, inet);
        bad[at] ^= flip;
        // Even a first byte turned into 'P' is no v1 header: "PROXY " needs 'R' next, and gets '\n'.
        expect(refusal(bad, { split: 1 }).reason).toBe('missing');
      }),
    );
  });
});
