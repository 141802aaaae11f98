import fc from 'fast-check';
import { checkCodec } from 'torsion/testing';
import { datagramRaw, datagramUtf8, datagramJson, FrameError, FrameTooLargeError, OptionError, TorsionError } from '../../src';

const MAX = 64;

describe('datagram codecs', () => {
  describe('conform to the datagram codec contract', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const runs = { numRuns: 40 };

    test('datagramRaw', () => {
      const reply = fc.oneof(fc.string({ maxLength: 16 }), fc.uint8Array({ maxLength: MAX }));
      fc.assert(
        fc.property(fc.array(reply, { minLength: 1, maxLength: 6 }), fc.integer(), (values, seed) => {
          const expected = (v: string | Uint8Array) => (typeof v === 'string' ? Buffer.from(v) : Buffer.from(v));
          const report = checkCodec(datagramRaw({ maxSize: MAX }), { values, expected, seed, runs: 10, oversize: Buffer.alloc(MAX + 1), invalidReplies: [42, null] });
          // Raw bytes cannot be malformed.
          expect(report.skipped).toEqual(['malformed-input']);
        }),
        runs,
      );
    });

    test('datagramUtf8', () => {
      fc.assert(
        fc.property(fc.array(fc.string({ maxLength: 16 }), { minLength: 1, maxLength: 6 }), fc.integer(), (values, seed) => {
          const options = { values, seed, runs: 10, oversize: 'é'.repeat(MAX / 2 + 1), malformed: [Buffer.from([0xff, 0xfe]), Buffer.from([0xe2, 0x82])], invalidReplies: [42] };
          expect(checkCodec(datagramUtf8({ maxSize: MAX }), options).skipped).toEqual([]);
        }),
        runs,
      );
    });

    test('datagramJson', () => {
      const json = fc.jsonValue({ maxDepth: 2 }).filter((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX);
      fc.assert(
        fc.property(fc.array(json, { minLength: 1, maxLength: 6 }), fc.integer(), (values, seed) => {
          const expected = (v: unknown) => JSON.parse(JSON.stringify(v));
          const options = { values, expected, seed, runs: 10, oversize: 'x'.repeat(MAX), malformed: ['{"a":', '', Buffer.from([0xff])], invalidReplies: [undefined, 1n, cycle, () => 1] };
          expect(checkCodec(datagramJson({ maxSize: MAX }), options).skipped).toEqual([]);
        }),
        runs,
      );
    });

    test('at the default maxSize (the UDP payload limit)', () => {
      checkCodec(datagramJson(), { values: [{ a: [1, 2] }, 'x'.repeat(65_505)], oversize: 'x'.repeat(65_506), malformed: ['nope'] });
    });
  });

  it('raw passes bytes through and sends Buffer, Uint8Array or string', () => {
    const codec = datagramRaw();
    const bytes = Buffer.from([0, 255, 1]);
    expect(codec.decode(bytes)).toBe(bytes);
    expect(codec.encode(new Uint8Array([1, 2]))).toEqual(Buffer.from([1, 2]));
    expect(codec.encode('hi')).toEqual(Buffer.from('hi'));
    expect(() => codec.encode(42 as never)).toThrow(TorsionError);
  });

  it('utf8 rejects invalid UTF-8 as a FrameError for that datagram', () => {
    const codec = datagramUtf8();
    expect(codec.decode(Buffer.from('héllo'))).toBe('héllo');
    expect(() => codec.decode(Buffer.from([0xff, 0xfe]))).toThrow(FrameError);
  });

  it('json decodes one value per datagram and reports malformed ones as FrameError', () => {
    const codec = datagramJson();
    expect(codec.decode(Buffer.from('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    expect(codec.encode({ a: 1 }).toString()).toBe('{"a":1}');
    expect(() => codec.decode(Buffer.from('{"a":'))).toThrow(FrameError);
    expect(() => codec.encode(undefined)).toThrow(/cannot encode undefined/);
  });

  it('checks maxSize both ways, with the numbers in the message', () => {
    const codec = datagramUtf8({ maxSize: 4 });
    expect(() => codec.decode(Buffer.from('12345'))).toThrow(new FrameTooLargeError(5, 4, 'datagram size'));
    expect(() => codec.encode('12345')).toThrow(/outgoing datagram size \(5\) exceeds the allowed maximum \(4\)/);
    expect(codec.decode(Buffer.from('1234'))).toBe('1234');
  });

  it.each([0, -1, 1.5, 70_000])('rejects maxSize %p at construction', (maxSize) => {
    expect(() => datagramJson({ maxSize })).toThrow(OptionError);
  });
});
