import fc from 'fast-check';
import { lengthPrefixed, type LengthPrefixedOptions } from '../../src/codec';
import { checkCodec } from 'torsion/testing';
import { FrameTooLargeError, OptionError, ProtocolError } from '../../src/errors';
import { chunk, encodeAll, feed, RecordingSink } from './feed';

const MAX = 64;
const bytes = (max: number, min = 0) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));

function header(value: number, length: 1 | 2 | 4 | 8, order: 'be' | 'le' = 'be'): Buffer {
  const b = Buffer.alloc(length);
  if (length === 8) {
    if (order === 'be') b.writeBigUInt64BE(BigInt(value));
    else b.writeBigUInt64LE(BigInt(value));
  } else if (order === 'be') b.writeUIntBE(value, 0, length);
  else b.writeUIntLE(value, 0, length);
  return b;
}

/** A whole oversized frame, over MAX + 2 bytes: a header declaring `payload.length`, then the payload. */
function oversize(length: 1 | 2 | 4 | 8, order: 'be' | 'le' = 'be', max = MAX) {
  return bytes(max + 20, max - length + 3).map((payload) => Buffer.concat([header(payload.length, length, order), payload]));
}

function decode(options: LengthPrefixedOptions, input: Buffer, sizes = [input.length]): RecordingSink<Buffer> {
  const { sink, thrown } = feed(lengthPrefixed(options).createDecoder(), chunk(input, sizes));
  if (thrown) throw thrown;
  return sink;
}

describe('lengthPrefixed', () => {
  /** Runs checkCodec on random samples, failing fast and (when given) discarding. */
  function conforms(options: LengthPrefixedOptions, values: fc.Arbitrary<Buffer>, oversize: fc.Arbitrary<Buffer> | null, extra: { expected?: (b: Buffer) => Buffer; malformed?: Buffer[] } = {}): void {
    const contract = { maxRetained: MAX, oversizeReply: Buffer.alloc(MAX), invalidReplies: [42, null], ...extra };
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 8 }), oversize ?? fc.constant(undefined), fc.integer(), (samples, big, seed) => {
        checkCodec(lengthPrefixed({ ...options, maxLength: MAX }), { ...contract, values: samples, seed, runs: 6, oversize: big });
        if (big !== undefined) checkCodec(lengthPrefixed({ ...options, maxLength: MAX, failFast: false }), { ...contract, values: samples, seed, runs: 6, oversize: big, overflow: 'discard' });
      }),
      { numRuns: 30 },
    );
  }

  test('conforms with a 4-byte big-endian field (default)', () => {
    conforms({}, bytes(MAX - 4), oversize(4));
  });

  test('conforms with a 1-byte field', () => {
    conforms({ lengthFieldLength: 1 }, bytes(MAX - 1), oversize(1));
  });

  test('conforms with a 2-byte little-endian field that counts itself (lengthAdjustment -2)', () => {
    const big = bytes(MAX + 20, MAX + 1).map((p) => Buffer.concat([header(p.length + 2, 2, 'le'), p]));
    // A field below 2 cannot count itself: the stream is broken.
    conforms({ lengthFieldLength: 2, byteOrder: 'le', lengthAdjustment: -2 }, bytes(MAX - 2), big, { malformed: [header(1, 2, 'le')] });
  });

  test('conforms with an 8-byte field', () => {
    conforms({ lengthFieldLength: 8 }, bytes(MAX - 8), oversize(8));
  });

  test('conforms with a type byte before the field (lengthFieldOffset 1), header kept (initialBytesToStrip 0)', () => {
    const expected = (b: Buffer) => Buffer.concat([b.subarray(0, 1), header(b.length - 1, 2), b.subarray(1)]);
    conforms({ lengthFieldOffset: 1, lengthFieldLength: 2, initialBytesToStrip: 0 }, bytes(MAX - 2, 1), null, { expected });
  });

  describe('Netty LengthFieldBasedFrameDecoder examples', () => {
    const hello = Buffer.from('HELLO, WORLD'); // 12 bytes

    test('2 bytes length field at offset 0, do not strip header', () => {
      const wire = Buffer.concat([header(12, 2), hello]);
      expect(decode({ lengthFieldLength: 2, initialBytesToStrip: 0 }, wire).frames).toEqual([wire]);
    });

    test('2 bytes length field at offset 0, strip header', () => {
      expect(decode({ lengthFieldLength: 2 }, Buffer.concat([header(12, 2), hello])).frames).toEqual([hello]);
    });

    test('2 bytes length field at offset 0, the length counts the header', () => {
      const wire = Buffer.concat([header(14, 2), hello]);
      expect(decode({ lengthFieldLength: 2, lengthAdjustment: -2, initialBytesToStrip: 0 }, wire).frames).toEqual([wire]);
    });

    test('4-byte length field at offset 2 (after a 2-byte header), header kept', () => {
      const wire = Buffer.concat([Buffer.from([0xca, 0xfe]), header(12, 4), hello]);
      expect(decode({ lengthFieldOffset: 2, initialBytesToStrip: 0 }, wire, [1]).frames).toEqual([wire]);
    });

    test('length field before a 2-byte header that is not counted (lengthAdjustment 2)', () => {
      const wire = Buffer.concat([header(12, 2), Buffer.from([0xca, 0xfe]), hello]);
      expect(decode({ lengthFieldLength: 2, lengthAdjustment: 2, initialBytesToStrip: 0 }, wire).frames).toEqual([wire]);
    });

    test('offset 1, strip the first 3 bytes (HDR1 + LEN), keep HDR2', () => {
      const wire = Buffer.concat([Buffer.from([0xca]), header(12, 2), Buffer.from([0xfe]), hello]);
      const frames = decode({ lengthFieldOffset: 1, lengthFieldLength: 2, lengthAdjustment: 1, initialBytesToStrip: 3 }, wire, [2]).frames;
      expect(frames).toEqual([Buffer.concat([Buffer.from([0xfe]), hello])]);
    });

    test('little-endian 4-byte and 8-byte fields', () => {
      expect(decode({ byteOrder: 'le' }, Buffer.concat([header(12, 4, 'le'), hello])).frames).toEqual([hello]);
      expect(decode({ lengthFieldLength: 8, byteOrder: 'le' }, Buffer.concat([header(12, 8, 'le'), hello])).frames).toEqual([hello]);
    });
  });

  test('frames are views of the received chunk', () => {
    const wire = Buffer.concat([header(3, 4), Buffer.from('abc'), header(1, 4), Buffer.from('d')]);
    const { frames } = decode({}, wire);
    expect(frames.map((f) => f.buffer)).toEqual([wire.buffer, wire.buffer]);
  });

  test('checks the declared length before buffering the payload, with the numbers', () => {
    const decoder = lengthPrefixed({ maxLength: 1000 }).createDecoder();
    expect(() => decoder.decode(header(2 ** 31, 4), new RecordingSink())).toThrow('frame length (2147483652) exceeds the allowed maximum (1000)');
    expect(decoder.bufferedBytes).toBe(0);
  });

  test('a huge 8-byte length fails as too large', () => {
    const wire = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(() => decode({ lengthFieldLength: 8 }, wire)).toThrow(FrameTooLargeError);
  });

  test('a negative adjusted length is a protocol error', () => {
    expect(() => decode({ lengthFieldLength: 2, lengthAdjustment: -4 }, header(3, 2))).toThrow(ProtocolError);
    expect(() => decode({ lengthFieldLength: 2, lengthAdjustment: -4 }, header(3, 2))).toThrow('adjusted frame length (1) is less than the end of the length field (2)');
  });

  test('a frame shorter than initialBytesToStrip is a protocol error', () => {
    expect(() => decode({ lengthFieldLength: 1, initialBytesToStrip: 5 }, Buffer.from([2, 1, 2]))).toThrow(ProtocolError);
  });

  test('without failFast, skips an oversized frame as it arrives, retaining nothing', () => {
    const decoder = lengthPrefixed({ maxLength: 16, failFast: false }).createDecoder();
    const sink = new RecordingSink<Buffer>();
    decoder.decode(header(10_000, 4), sink);
    for (let i = 0; i < 100; i++) {
      decoder.decode(Buffer.alloc(100), sink);
      expect(decoder.bufferedBytes).toBe(0);
    }
    decoder.decode(Buffer.concat([header(2, 4), Buffer.from('ok')]), sink);
    expect(sink.events).toEqual([{ error: new FrameTooLargeError(10_004, 16) }, { frame: Buffer.from('ok') }]);
  });

  test('a large frame in many small chunks is assembled in linear time', () => {
    const decoder = lengthPrefixed({ maxLength: 4 * 1024 * 1024 }).createDecoder();
    const sink = new RecordingSink<Buffer>();
    const size = 4 * 1024 * 1024 - 64; // a whole number of pieces
    const started = Date.now();
    decoder.decode(header(size, 4), sink);
    const piece = Buffer.alloc(64, 7);
    for (let sent = 0; sent < size; sent += piece.length) decoder.decode(piece, sink);
    expect(sink.frames[0]).toHaveLength(size);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  describe('encode', () => {
    test('prepends the length of the bytes, not of the UTF-16 string', () => {
      expect(encodeAll(lengthPrefixed({ lengthFieldLength: 1 }), ['é😀'])).toEqual(Buffer.concat([Buffer.from([6]), Buffer.from('é😀')]));
    });

    test('honours lengthAdjustment (a field that counts itself)', () => {
      expect(encodeAll(lengthPrefixed({ lengthFieldLength: 2, lengthAdjustment: -2 }), ['abc'])).toEqual(Buffer.from([0, 5, 0x61, 0x62, 0x63]));
    });

    test('inserts the field after the header bytes that precede it', () => {
      expect(encodeAll(lengthPrefixed({ lengthFieldOffset: 1, lengthFieldLength: 1 }), [Buffer.from([9, 1, 2])])).toEqual(Buffer.from([9, 2, 1, 2]));
      expect(() => lengthPrefixed({ lengthFieldOffset: 2 }).encode('x', [])).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
    });

    test('refuses a value whose length does not fit the field', () => {
      expect(() => lengthPrefixed({ lengthFieldLength: 1, maxLength: 10_000 }).encode(Buffer.alloc(256), [])).toThrow('the length field value (256) does not fit a 1-byte unsigned field');
    });

    test('refuses a frame over maxLength (header included)', () => {
      expect(() => lengthPrefixed({ maxLength: 10 }).encode(Buffer.alloc(7), [])).toThrow(new FrameTooLargeError(11, 10));
      expect(() => lengthPrefixed({ maxLength: 10 }).encode(Buffer.alloc(6), [])).not.toThrow();
    });

    test('writes the header and the payload as separate pieces', () => {
      const payload = Buffer.from('abc');
      const out: Array<string | Buffer> = [];
      lengthPrefixed().encode(payload, out);
      expect(out).toHaveLength(2);
      expect(out[1]).toBe(payload);
    });
  });

  describe('options', () => {
    test.each([
      [{ lengthFieldLength: 3 }, /lengthFieldLength must be one of 1, 2, 4, 8, got 3/],
      [{ byteOrder: 'BE' }, /byteOrder must be one of "be", "le"/],
      [{ lengthFieldOffset: -1 }, /lengthFieldOffset must be a non-negative integer/],
      [{ lengthAdjustment: 0.5 }, /lengthAdjustment must be an integer/],
      [{ initialBytesToStrip: -1 }, /initialBytesToStrip must be a non-negative integer/],
      [{ maxLength: 0 }, /maxLength must be a positive integer/],
      [{ maxLength: 4, lengthFieldOffset: 2 }, /maxLength \(4\) is smaller than the header .* = 6\); raise maxLength/],
      [{ failfast: true }, /unknown option 'failfast'/],
    ])('rejects %j at construction', (options, message) => {
      expect(() => lengthPrefixed(options as never)).toThrow(OptionError);
      expect(() => lengthPrefixed(options as never)).toThrow(message);
    });

    test('has documented defaults', () => {
      expect(lengthPrefixed().layout).toEqual({
        lengthFieldLength: 4,
        byteOrder: 'be',
        lengthFieldOffset: 0,
        lengthAdjustment: 0,
        initialBytesToStrip: 4,
        maxLength: 1024 * 1024,
        failFast: true,
      });
      expect(lengthPrefixed({ lengthFieldOffset: 2, lengthFieldLength: 2 }).layout.initialBytesToStrip).toBe(4);
    });
  });
});
