import { OptionError } from '../errors';

/**
 * How `send` cuts input into the chunks the connection reads (a socket may deliver any split):
 * - a number `n`: chunks of `n` bytes (`1` is byte by byte), the last one shorter;
 * - an array of sizes: chunks of those sizes in order, then the rest as one chunk;
 * - `{ seed, maxChunk }`: random sizes from 1 to `maxChunk` (default 16) drawn from a seeded
 *   generator, so a failing split is reproduced by its seed.
 */
export type Split =
  | number
  | readonly number[]
  | {
      /** Seed of the generator (an integer): the same seed gives the same cuts. */
      readonly seed: number;
      /** Largest chunk drawn, in bytes. Default 16. */
      readonly maxChunk?: number;
    };

/**
 * Cuts `data` (a string is UTF-8 encoded) into chunks per `split`; without one, a single chunk.
 * Chunks are views of one buffer, never empty; empty data gives no chunk.
 *
 * @example
 * splitBytes('abcde', 2)              // 'ab', 'cd', 'e'
 * splitBytes('abcde', [1, 3])         // 'a', 'bcd', 'e'
 * splitBytes('abcde', { seed: 42 })   // the same random cuts on every run
 */
export function splitBytes(data: Uint8Array | string, split?: Split): Buffer[] {
  const bytes = toBuffer(data);
  if (bytes.length === 0) return [];
  if (split === undefined) return [bytes];
  const next = sizer(split);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = Math.min(next(), bytes.length - at);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** The bytes of `data` (strings are UTF-8), as a Buffer view without copying. */
export function toBuffer(data: Uint8Array | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function sizer(split: Split): () => number {
  if (typeof split === 'number') {
    positive(split, 'a chunk size');
    return () => split;
  }
  if (Array.isArray(split)) {
    const sizes = split as readonly number[];
    sizes.forEach((size) => positive(size, 'each chunk size'));
    let i = 0;
    return () => (i < sizes.length ? sizes[i++] : Number.MAX_SAFE_INTEGER);
  }
  const { seed, maxChunk = 16 } = split as { seed: number; maxChunk?: number };
  if (!Number.isInteger(seed)) throw new OptionError(`split seed must be an integer, got ${seed}`);
  positive(maxChunk, 'maxChunk');
  const random = mulberry32(seed);
  return () => 1 + Math.floor(random() * maxChunk);
}

function positive(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new OptionError(`split: ${what} must be a positive integer, got ${value}`);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
