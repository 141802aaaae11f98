import { checkCodec, CodecConformanceError, type CodecProperty } from 'torsion/testing';
import { datagramJson, lines, raw, type Codec, type DatagramCodec, type Decoder, type FrameSink, type OutputChunks } from 'torsion';
import { FrameError, FrameTooLargeError, OptionError, TorsionError } from '../../src/errors';

/**
 * checkCodec must catch real bugs, or the codec suites built on it would pass vacuously: each
 * broken codec below differs from a correct one by one bug, and the correct one passes the
 * very same check (the control).
 */

const MAX = 16;
const good = lines({ maxLength: MAX });
const values = ['', 'hello', 'x'.repeat(MAX), 'a b c'];
const options = { values, maxRetained: MAX + 1, oversize: `${'z'.repeat(MAX + 10)}\n`, seed: 7 };

/** A lines codec with one decoder behaviour replaced. */
function brokenLines(name: string, wrap: (inner: Decoder<string>) => Decoder<string>, encode?: (value: string | Uint8Array, out: OutputChunks) => void): Codec<string, string | Uint8Array> {
  return {
    name,
    createDecoder: () => wrap(good.createDecoder()),
    encode: encode ?? ((value, out) => good.encode(value, out)),
  };
}

function failure(run: () => unknown): CodecConformanceError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CodecConformanceError);
  return caught as CodecConformanceError;
}

function expectViolation(run: () => unknown, property: CodecProperty): CodecConformanceError {
  const error = failure(run);
  expect(error).toMatchObject({ code: 'TORSION_ERR_CODEC_CONFORMANCE', property });
  expect(error).toBeInstanceOf(TorsionError);
  return error;
}

describe('checkCodec', () => {
  test('passes a correct codec and says what it checked (the control for every case below)', () => {
    const report = checkCodec(good, { ...options, invalidReplies: [42] });
    expect(report.codec).toBe('lines');
    expect(report.checked).toEqual(expect.arrayContaining(['round-trip', 'buffered-bytes', 'retention-bound', 'independent-decoders', 'max-length-decode', 'sink-per-call', 'typed-errors', 'invalid-reply']));
    expect(report.skipped).toEqual(['max-length-encode', 'malformed-input']);
    expect(report.cases).toBeGreaterThan(50);
  });

  describe('stream codecs', () => {
    test('catches a decoder that drops a byte at a chunk boundary, naming the split', () => {
      const codec = brokenLines('drops-a-byte', (inner) => ({
        get bufferedBytes() {
          return inner.bufferedBytes;
        },
        decode(chunk: Buffer, sink: FrameSink<string>) {
          inner.decode(inner.bufferedBytes > 0 ? chunk.subarray(1) : chunk, sink);
        },
      }));
      const error = expectViolation(() => checkCodec(codec, options), 'round-trip');
      expect(error.split).not.toBeNull();
      expect((error.split as number[]).length).toBeGreaterThan(1);
      expect(Buffer.isBuffer(error.input)).toBe(true);
      expect(error.message).toMatch(/^checkCodec\(drops-a-byte\): round-trip: .*; input <\d+ bytes .*>; split /);
      // The same seed finds the same failure: a report can be replayed.
      expect(failure(() => checkCodec(codec, options)).split).toEqual(error.split);
    });

    test('catches a decoder that ignores maxLength (buffers the oversized frame whole)', () => {
      const lenient = lines({ maxLength: 1000 });
      const codec = { name: 'ignores-max', createDecoder: () => lenient.createDecoder(), encode: (v: string, out: OutputChunks) => lenient.encode(v, out) };
      const error = expectViolation(() => checkCodec(codec, options), 'max-length-decode');
      expect(error.detail).toBe('the oversized frame was not refused: decode never threw');
    });

    test('catches a decoder that checks the length only once the delimiter arrives', () => {
      const codec = brokenLines('checks-late', (inner) => {
        const lenient = lines({ maxLength: 1000 }).createDecoder();
        return {
          get bufferedBytes() {
            return lenient.bufferedBytes;
          },
          decode(chunk: Buffer, sink: FrameSink<string>) {
            lenient.decode(chunk, {
              frame: (line) => {
                if (Buffer.byteLength(line) > MAX) throw new FrameTooLargeError(Buffer.byteLength(line), MAX);
                sink.frame(line);
              },
              frameError: (e) => sink.frameError(e),
            });
            void inner;
          },
        };
      });
      expectViolation(() => checkCodec(codec, options), 'max-length-decode');
    });

    test('catches a discarding decoder that throws instead', () => {
      expectViolation(() => checkCodec(good, { ...options, overflow: 'discard' }), 'max-length-decode');
    });

    test('catches decoders of one codec that share state', () => {
      const shared = good.createDecoder();
      const codec = brokenLines('shared', () => shared);
      expectViolation(() => checkCodec(codec, options), 'independent-decoders');
    });

    test('catches a decoder that keeps the sink of its first call', () => {
      const codec = brokenLines('stale-sink', (inner) => {
        let first: FrameSink<string> | undefined;
        return {
          get bufferedBytes() {
            return inner.bufferedBytes;
          },
          decode(chunk: Buffer, sink: FrameSink<string>) {
            first ??= sink;
            inner.decode(chunk, first);
          },
        };
      });
      expectViolation(() => checkCodec(codec, options), 'sink-per-call');
    });

    test('catches a decoder that under-reports bufferedBytes', () => {
      const codec = brokenLines('reports-zero', (inner) => ({ bufferedBytes: 0, decode: (chunk: Buffer, sink: FrameSink<string>) => inner.decode(chunk, sink) }));
      const error = expectViolation(() => checkCodec(codec, options), 'buffered-bytes');
      expect(error.detail).toMatch(/bufferedBytes is 0 after chunk \d+, but \d+ bytes/);
    });

    test('catches an encoder that rewrites the output array instead of appending', () => {
      const codec = brokenLines('rewrites-out', (inner) => inner, (value, out) => {
        out.length = 0;
        good.encode(value, out);
      });
      expectViolation(() => checkCodec(codec, options), 'encode-appends-only');
    });

    test('catches a decoder that throws an untyped error on garbage (here: on any non-ASCII byte)', () => {
      const codec = brokenLines('untyped', (inner) => ({
        get bufferedBytes() {
          return inner.bufferedBytes;
        },
        decode(chunk: Buffer, sink: FrameSink<string>) {
          if (chunk.some((byte) => byte >= 0x80)) throw new RangeError('not ASCII');
          inner.decode(chunk, sink);
        },
      }));
      const error = expectViolation(() => checkCodec(codec, options), 'typed-errors');
      expect(error.cause).toBeInstanceOf(RangeError);
    });

    test('catches an encoder that accepts what it cannot write, or lets an oversized reply through', () => {
      const lax = brokenLines('lax', (inner) => inner, (value, out) => out.push(String(value), '\n'));
      expectViolation(() => checkCodec(lax, { ...options, invalidReplies: [42] }), 'invalid-reply');
      expectViolation(() => checkCodec(good, { ...options, oversizeReply: 'x'.repeat(100) }), 'max-length-encode');
    });

    test('catches a codec that accepts malformed input', () => {
      expectViolation(() => checkCodec(good, { ...options, malformed: ['fine\n'] }), 'malformed-input');
    });
  });

  describe('unframed codecs', () => {
    test('passes raw()', () => {
      expect(checkCodec(raw(), { unframed: true, values: ['hi', Buffer.from([0, 255])], invalidReplies: [1] }).checked).toContain('chunk-frames');
    });

    test('catches a raw decoder that merges chunks', () => {
      const codec = {
        name: 'merging',
        createDecoder(): Decoder<Buffer> {
          let held: Buffer | null = null;
          return {
            get bufferedBytes() {
              return held?.length ?? 0;
            },
            decode(chunk: Buffer, sink: FrameSink<Buffer>) {
              if (held === null) held = chunk;
              else {
                sink.frame(Buffer.concat([held, chunk]));
                held = null;
              }
            },
          };
        },
        encode: (value: Buffer | string, out: OutputChunks) => void out.push(value),
      };
      expectViolation(() => checkCodec(codec, { unframed: true, values: ['abc', 'de'] }), 'chunk-frames');
    });
  });

  describe('datagram codecs', () => {
    /** A JSON datagram codec with its own (faulty) checks. */
    function jsonDatagrams(name: string, decode: (d: Buffer) => unknown, encode: (v: unknown) => Buffer): DatagramCodec<unknown, unknown> {
      return { kind: 'datagram', name, maxSize: 32, decode, encode };
    }
    const sizeChecked = (d: Buffer): Buffer => {
      if (d.length > 32) throw new FrameTooLargeError(d.length, 32);
      return d;
    };
    const parse = (d: Buffer): unknown => {
      try {
        return JSON.parse(d.toString());
      } catch (e) {
        throw new FrameError('bad', { cause: e });
      }
    };
    const datagramOptions = { values: [1, 'a', { b: [null] }], oversize: 'x'.repeat(40), malformed: ['{'] };

    test('passes datagramJson', () => {
      expect(checkCodec(datagramJson({ maxSize: 32 }), datagramOptions).skipped).toEqual(['invalid-reply']);
    });

    test('catches an encoder that does not check maxSize', () => {
      const codec = jsonDatagrams('unchecked-encode', (d) => parse(sizeChecked(d)), (v) => Buffer.from(JSON.stringify(v)));
      expectViolation(() => checkCodec(codec, datagramOptions), 'max-size-encode');
    });

    test('catches a decoder that parses before checking maxSize', () => {
      const parseThenCheck = (d: Buffer): unknown => {
        const value = parse(d);
        sizeChecked(d);
        return value;
      };
      const codec = jsonDatagrams('parses-first', parseThenCheck, (v) => sizeChecked(Buffer.from(JSON.stringify(v))));
      expectViolation(() => checkCodec(codec, datagramOptions), 'max-size-decode');
    });

    test('catches a decoder that lets a SyntaxError escape', () => {
      const codec = jsonDatagrams('untyped', (d) => JSON.parse(sizeChecked(d).toString()), (v) => sizeChecked(Buffer.from(JSON.stringify(v))));
      const error = expectViolation(() => checkCodec(codec, datagramOptions), 'malformed-input');
      expect(error.cause).toBeInstanceOf(SyntaxError);
    });

    test('catches a round trip that loses data', () => {
      const codec = jsonDatagrams('lossy', (d) => parse(sizeChecked(d)), (v) => sizeChecked(Buffer.from(JSON.stringify(typeof v === 'string' ? v.toUpperCase() : v))));
      const error = expectViolation(() => checkCodec(codec, datagramOptions), 'round-trip');
      expect(error.detail).toBe('frame 0 is "A", expected "a"');
    });
  });

  describe('options', () => {
    test.each([
      [{ values: [] }, /values must be a non-empty array/],
      [{ values: ['a'], maxRetained: 0 }, /maxRetained must be a positive integer/],
      [{ values: ['a'], maxRetained: MAX + 1, oversize: 'z'.repeat(MAX + 2) + '\n' }, /oversize \(19 bytes\) must be longer than maxRetained \+ 2 \(19\)/],
      [{ values: ['a'], maxRetained: MAX + 1, runs: 0 }, /runs must be a positive integer/],
    ])('rejects %j', (bad, message) => {
      expect(() => checkCodec(good, bad as never)).toThrow(OptionError);
      expect(() => checkCodec(good, bad as never)).toThrow(message);
    });
  });
});
