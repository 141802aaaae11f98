import fc from 'fast-check';
import { checkCodec } from 'torsion/testing';
import { delimited } from '../../src/codec';
import { FrameTooLargeError, OptionError } from '../../src/errors';
import { chunk, encodeAll, feed } from './feed';

const MAX = 24;
const DELIMITERS = [';;', '\n', '\r\n', '<end>'];
/** Frame bytes that cannot form (part of) a delimiter. */
const text = fc.string({ unit: fc.constantFrom(...'abcxyz0129 '.split('')), maxLength: MAX });

function frames(input: string | Buffer, delimiters: string[], sizes: number[], extra: object = {}): string[] {
  const codec = delimited({ delimiters, output: 'string', ...extra });
  const { sink, thrown } = feed(codec.createDecoder(), chunk(Buffer.from(input), sizes));
  if (thrown) throw thrown;
  return sink.frames as string[];
}

describe('delimited', () => {
  // The longest delimiter is 5 bytes: a frame's bytes on the wire are at most MAX + 5.
  const maxRetained = MAX + 5;
  const oversizeFrame = fc.tuple(fc.string({ unit: fc.constantFrom('a', 'b'), minLength: MAX + 7, maxLength: MAX + 30 }), fc.constantFrom(...DELIMITERS)).map(([s, d]) => s + d);

  test('conforms to the codec contract, failing fast or discarding', () => {
    fc.assert(
      fc.property(fc.array(text.map((s) => Buffer.from(s)), { minLength: 1, maxLength: 8 }), oversizeFrame, fc.integer(), (values, oversize, seed) => {
        checkCodec(delimited({ delimiters: DELIMITERS, maxLength: MAX }), { values, seed, runs: 6, maxRetained, oversize });
        checkCodec(delimited({ delimiters: DELIMITERS, maxLength: MAX, failFast: false }), { values, seed, runs: 6, maxRetained, oversize, overflow: 'discard' });
      }),
      { numRuns: 40 },
    );
  });

  test('conforms on edge samples, with string frames and input using every delimiter', () => {
    const report = checkCodec(delimited({ delimiters: DELIMITERS, maxLength: MAX, output: 'string' }), {
      values: ['', 'x'.repeat(MAX), 'é😀', 'a b'],
      maxRetained,
      wires: [{ input: 'a;;b\nc\r\nd<end>e;;', frames: ['a', 'b', 'c', 'd', 'e'] }],
      oversize: `${'y'.repeat(MAX + 3)}<end>`,
      invalidReplies: [42, null, {}],
    });
    expect(report.skipped).toEqual(['max-length-encode', 'malformed-input']);
  });

  test('decodes frames ended by any of the delimiters, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, fc.constantFrom(...DELIMITERS))), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), (parts, sizes) => {
        const wire = parts.map(([t, d]) => t + d).join('');
        expect(frames(wire, DELIMITERS, sizes)).toEqual(parts.map(([t]) => t));
      }),
      { numRuns: 150 },
    );
  });

  test('the delimiter giving the shortest frame wins', () => {
    expect(frames('a\r\nb\n', ['\n', '\r\n'], [100])).toEqual(['a', 'b']);
    expect(frames('xx--yy==', ['==', '--'], [100])).toEqual(['xx', 'yy']);
  });

  test('at the same position the longest delimiter wins, even when it arrives in pieces', () => {
    for (const size of [1, 2, 3, 100]) expect(frames('a\r\nb\rc\r\n', ['\r', '\r\n'], [size])).toEqual(['a', 'b', 'c']);
  });

  test('overlapping delimiters give the same frames for every chunking', () => {
    const delimiters = ['ab', 'abc', 'b', 'cab'];
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x'), maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }), (wire, sizes) => {
        expect(frames(wire, delimiters, sizes)).toEqual(frames(wire, delimiters, [wire.length || 1]));
      }),
      { numRuns: 200 },
    );
  });

  test('keeps the delimiter when stripDelimiter is false (maxLength still excludes it)', () => {
    expect(frames('ab\r\ncd\n', ['\n', '\r\n'], [1], { stripDelimiter: false, maxLength: 2 })).toEqual(['ab\r\n', 'cd\n']);
  });

  test('accepts Buffer delimiters, including non-UTF-8 bytes', () => {
    const codec = delimited({ delimiters: [Buffer.from([0xff, 0x00])] });
    const wire = encodeAll(codec, ['hi', Buffer.from([1, 2])]);
    expect(wire).toEqual(Buffer.from([0x68, 0x69, 0xff, 0x00, 1, 2, 0xff, 0x00]));
    expect(feed(codec.createDecoder(), chunk(wire, [1])).sink.frames).toEqual([Buffer.from('hi'), Buffer.from([1, 2])]);
  });

  test('an oversized frame carries the numbers', () => {
    expect(() => frames('abcdef;', [';'], [100], { maxLength: 5 })).toThrow(new FrameTooLargeError(6, 5));
    expect(() => frames('abcdef;', [';'], [100], { maxLength: 5 })).toThrow('frame length (6) exceeds the allowed maximum (5)');
  });

  test('encode appends the first delimiter; a value holding a delimiter is written as it is', () => {
    const codec = delimited({ delimiters: ['\r\n', '\n'] });
    expect(encodeAll(codec, ['a'])).toEqual(Buffer.from('a\r\n'));
    expect(encodeAll(codec, ['a\nb'])).toEqual(Buffer.from('a\nb\r\n'));
  });

  test.each([
    [{}, /delimiters must be a non-empty array/],
    [{ delimiters: [] }, /delimiters must be a non-empty array/],
    [{ delimiters: ['\n', ''] }, /delimiters\[1\] must be a non-empty string or Buffer/],
    [{ delimiters: ['\n'], maxLength: -1 }, /maxLength must be a positive integer, got -1/],
    [{ delimiters: ['\n'], stripDelimiter: 1 }, /stripDelimiter must be true or false/],
  ])('rejects options %j', (options, message) => {
    expect(() => delimited(options as never)).toThrow(OptionError);
    expect(() => delimited(options as never)).toThrow(message);
  });
});
