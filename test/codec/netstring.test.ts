import fc from 'fast-check';
import { netstring } from '../../src/codec';
import { FrameTooLargeError, OptionError, ProtocolError } from '../../src/errors';
import { chunk, conformance, encodeAll, feed, RecordingSink } from './conformance';

const MAX = 48;

function decode(input: string, sizes = [input.length], maxLength = 100): RecordingSink<string> {
  const { sink, thrown } = feed(netstring({ maxLength, output: 'string' }).createDecoder(), chunk(Buffer.from(input), sizes));
  if (thrown) throw thrown;
  return sink as RecordingSink<string>;
}

describe('netstring', () => {
  conformance({
    codec: netstring({ maxLength: MAX }),
    values: fc.uint8Array({ maxLength: MAX }).map((a) => Buffer.from(a)),
    expected: (b) => Buffer.from(b),
    retainedBound: MAX + 4,
    oversize: fc.uint8Array({ minLength: MAX + 1, maxLength: MAX + 30 }).map((a) => Buffer.concat([Buffer.from(`${a.length}:`), a, Buffer.from(',')])),
  });

  describe('as strings', () => {
    conformance({
      codec: netstring({ maxLength: MAX, output: 'string' }),
      values: fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => Buffer.from(s).toString() === s),
      expected: (s) => s,
      retainedBound: MAX + 4,
    });
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
