import fc from 'fast-check';
import { netstring } from '../../src/codec';
import { checkCodec } from 'torsion/testing';
import { FrameTooLargeError, OptionError, ProtocolError } from '../../src/errors';
import { chunk, encodeAll, feed, RecordingSink } from './feed';

const MAX = 48;

function decode(input: string, sizes = [input.length], maxLength = 100): RecordingSink<string> {
  const { sink, thrown } = feed(netstring({ maxLength, output: 'string' }).createDecoder(), chunk(Buffer.from(input), sizes));
  if (thrown) throw thrown;
  return sink as RecordingSink<string>;
}

describe('netstring', () => {
  const malformed = ['01:x,', ':x,', 'a:x,', '1a:x,', '-1:x,', '3:abc;', '3:abcd'];
  // The header of a MAX-byte payload is '48:', the trailer ','.
  const contract = { maxRetained: MAX + 4, malformed, invalidReplies: [{}, null, 42] };

  test('conforms to the codec contract', () => {
    const bytes = fc.uint8Array({ maxLength: MAX }).map((a) => Buffer.from(a));
    const oversize = fc.uint8Array({ minLength: MAX + 3, maxLength: MAX + 30 }).map((a) => Buffer.concat([Buffer.from(`${a.length}:`), a, Buffer.from(',')]));
    fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 8 }), oversize, fc.integer(), (values, big, seed) => {
        const report = checkCodec(netstring({ maxLength: MAX }), { ...contract, values, seed, runs: 6, oversize: big, oversizeReply: Buffer.alloc(MAX + 1) });
        expect(report.skipped).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  test('conforms as strings', () => {
    const strings = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => Buffer.from(s).toString() === s);
    fc.assert(
      fc.property(fc.array(strings, { minLength: 1, maxLength: 8 }), fc.integer(), (values, seed) => {
        checkCodec(netstring({ maxLength: MAX, output: 'string' }), { ...contract, values, seed, runs: 6, oversize: `${'9'.repeat(60)}:`, oversizeReply: 'é'.repeat(MAX) });
      }),
      { numRuns: 30 },
    );
  });

  test('decodes the examples of the spec, whatever the chunking', () => {
    for (const size of [1, 2, 100]) {
      expect(decode('12:hello world!,0:,', [size]).frames).toEqual(['hello world!', '']);
    }
  });

  test('counts the length in bytes', () => {
    expect(decode('6:é😀,').frames).toEqual(['é😀']);
    expect(encodeAll(netstring(), ['é😀'])).toEqual(Buffer.from('6:é😀,'));
  });

  test.each([
    ['01:x,', 'the length has a leading zero'],
    ['00:,', 'the length has a leading zero'],
    [':x,', "the length is missing before ':'"],
    ['a:x,', "expected a length digit, got 'a'"],
    ['1a:x,', "expected a length digit or ':', got 'a'"],
    ['-1:x,', "expected a length digit, got '-'"],
    ['3:abc;', "expected ',' after the 3-byte payload, got ';'"],
    ['3:abcd', "expected ',' after the 3-byte payload, got 'd'"],
  ])('rejects %j: %s', (input, message) => {
    expect(() => decode(input)).toThrow(ProtocolError);
    expect(() => decode(input, [1])).toThrow(message);
  });

  test('rejects a declared length over maxLength before its payload arrives', () => {
    const decoder = netstring({ maxLength: 100 }).createDecoder();
    expect(() => decoder.decode(Buffer.from('101'), new RecordingSink())).toThrow(new FrameTooLargeError(101, 100, 'netstring length'));
  });

  test('rejects more length digits than maxLength needs, without waiting for the colon', () => {
    const decoder = netstring({ maxLength: 100 }).createDecoder();
    const sink = new RecordingSink();
    decoder.decode(Buffer.from('10'), sink);
    expect(() => decoder.decode(Buffer.from('00'), sink)).toThrow(FrameTooLargeError);
  });

  test('refuses to encode a value over maxLength', () => {
    expect(() => netstring({ maxLength: 3 }).encode('abcd', [])).toThrow('netstring length (4) exceeds the allowed maximum (3)');
    expect(() => netstring().encode({} as never, [])).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
  });

  test.each([
    [{ maxLength: 0 }, /maxLength must be a positive integer/],
    [{ output: 'text' }, /output must be one of "buffer", "string"/],
    [{ max: 1 }, /unknown option 'max'/],
  ])('rejects options %j', (options, message) => {
    expect(() => netstring(options as never)).toThrow(OptionError);
    expect(() => netstring(options as never)).toThrow(message);
  });

  test('defaults to 1 MiB and Buffers', () => {
    expect(netstring().maxLength).toBe(1024 * 1024);
    expect(feed(netstring().createDecoder(), [Buffer.from('1:a,')]).sink.frames).toEqual([Buffer.from('a')]);
  });
});
