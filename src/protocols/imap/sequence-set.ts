import { ImapSyntaxError } from './errors';

/** A sequence set's ranges; `STAR` (0) stands for `*`, the largest number in use. */
export type SequenceSet = ReadonlyArray<readonly [number, number]>;

const STAR = 0;
const MAX_RANGES = 1000;

/** Reads `1,3:5,7:*`; an `ImapSyntaxError` (with the command's tag) when it is not one. */
export function parseSequenceSet(text: unknown, tag: string): SequenceSet {
  if (typeof text !== 'string' || text === '') throw new ImapSyntaxError(tag, 'a sequence set is expected, e.g. 1:*');
  const ranges: Array<[number, number]> = [];
  for (const item of text.split(',')) {
    const bounds = item.split(':');
    if (bounds.length > 2 || ranges.length >= MAX_RANGES) throw new ImapSyntaxError(tag, `invalid sequence set ${JSON.stringify(text.slice(0, 64))}`);
    const [a, b] = bounds.map((bound) => {
      if (bound === '*') return STAR;
      if (!/^[1-9]\d{0,9}$/.test(bound) || Number(bound) > 0xffffffff) throw new ImapSyntaxError(tag, `invalid sequence set ${JSON.stringify(text.slice(0, 64))}`);
      return Number(bound);
    });
    ranges.push([a, b ?? a]);
  }
  return ranges;
}

/** True when `n` is in `set`, `*` being `largest` (a range past the largest still holds it, as RFC 3501 says of `n:*`). */
export function inSet(set: SequenceSet, n: number, largest: number): boolean {
  for (const [a, b] of set) {
    const x = a === STAR ? largest : a;
    const y = b === STAR ? largest : b;
    if (n >= Math.min(x, y) && n <= Math.max(x, y)) return true;
  }
  return false;
}

/** True when `text` looks like a sequence set (SEARCH keys may be one). */
export function isSequenceSet(text: string): boolean {
  return /^(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*$/.test(text);
}
