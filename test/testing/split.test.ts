import { OptionError } from 'torsion';
import { splitBytes } from 'torsion/testing';

const text = (chunks: Buffer[]): string[] => chunks.map((c) => c.toString());

describe('splitBytes', () => {
  it('keeps the input whole without a split, and gives nothing for empty input', () => {
    expect(text(splitBytes('abc'))).toEqual(['abc']);
    expect(splitBytes('')).toEqual([]);
  });

  it('cuts into fixed sizes, byte by byte with 1', () => {
    expect(text(splitBytes('abcde', 2))).toEqual(['ab', 'cd', 'e']);
    expect(text(splitBytes('abc', 1))).toEqual(['a', 'b', 'c']);
  });

  it('cuts at the given sizes, then the rest in one chunk', () => {
    expect(text(splitBytes('abcdefg', [1, 3]))).toEqual(['a', 'bcd', 'efg']);
    expect(text(splitBytes('ab', [5]))).toEqual(['ab']);
  });

  it('cuts at random sizes that the seed reproduces, within maxChunk', () => {
    const data = Buffer.alloc(500, 'x');
    const a = splitBytes(data, { seed: 42, maxChunk: 7 });
    const b = splitBytes(data, { seed: 42, maxChunk: 7 });
    expect(a.map((c) => c.length)).toEqual(b.map((c) => c.length));
    expect(a.every((c) => c.length >= 1 && c.length <= 7)).toBe(true);
    expect(Buffer.concat(a)).toEqual(data);
    expect(splitBytes(data, { seed: 43, maxChunk: 7 }).map((c) => c.length)).not.toEqual(a.map((c) => c.length));
  });

  it('encodes strings as UTF-8, so a split may cut inside a character', () => {
    expect(splitBytes('é', 1)).toEqual([Buffer.from([0xc3]), Buffer.from([0xa9])]);
  });

  it('refuses sizes that are not positive integers', () => {
    expect(() => splitBytes('abc', 0)).toThrow(OptionError);
    expect(() => splitBytes('abc', [2, 1.5])).toThrow(OptionError);
    expect(() => splitBytes('abc', { seed: 1, maxChunk: 0 })).toThrow(OptionError);
  });
});
