import type { Decoder, FrameSink } from '../codec/codec';
import { OptionError, TorsionError } from '../errors';
import type { CheckBytes, CheckSplit, CodecProperty } from './check-codec-options';

/**
 * What the codec checkers share: a seeded generator, the case (an input and its split) a
 * violation names, a feeder that drives one decoder, splits, garbage, and message rendering.
 */

/** A property failed: `checkCodec` turns it into a `CodecConformanceError` for the codec. */
export class Violation extends Error {
  constructor(
    readonly property: CodecProperty,
    readonly detail: string,
    readonly input: unknown,
    readonly split: CheckSplit | null,
    readonly failure: unknown,
  ) {
    super(`${property}: ${detail}`);
  }
}

/** Random cases per property unless `runs` says otherwise. */
export const DEFAULT_RUNS = 25;
/** Most values one random case encodes in a row. */
export const MAX_SEQUENCE = 8;
/** Most bytes of one random garbage input. */
export const MAX_GARBAGE = 512;

/** One call of a sink, in order: a frame or a frame error. */
export type SinkEvent = { frame: unknown } | { error: Error };

/** After one `decode` call: bytes fed so far, the chunk's size, `bufferedBytes`, events so far. */
export interface Step {
  fed: number;
  chunk: number;
  held: number;
  delivered: number;
}

/** A seeded generator (mulberry32): the same seed gives the same cases everywhere. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next number in [0, 1), determined by the seed and the calls so far. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One of `items` (which must not be empty), uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** `length` random bytes. */
  bytes(length: number): Buffer {
    const bytes = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) bytes[i] = this.below(256);
    return bytes;
  }
}

/** One input and how it was cut: builds the error that names both. */
export class Case {
  constructor(
    readonly input: unknown,
    readonly split: CheckSplit | null,
  ) {}

  /** The violation to throw: `property` failed on this case. */
  fail(property: CodecProperty, detail: string, cause?: unknown): Violation {
    return new Violation(property, detail, this.input, this.split, cause);
  }
}

/**
 * Feeds chunks to one decoder, a fresh sink per `decode` call (so a decoder that keeps an
 * earlier call's sink is caught), recording events and `bufferedBytes` after every call.
 */
export class Feeder {
  /** Every frame and frame error delivered so far, in order. */
  readonly events: SinkEvent[] = [];
  /** One entry per `decode` call that returned, for the retention and `bufferedBytes` checks. */
  readonly steps: Step[] = [];
  /** What `decode` threw, once it has. */
  thrown: unknown = undefined;
  /** True once `decode` has thrown; later chunks are not fed. */
  failed = false;
  private fed = 0;
  /** Set when a sink is called after its `decode` call returned (from any later call). */
  private stale = false;

  constructor(
    private readonly decoder: Decoder<unknown>,
    private readonly kase: Case,
  ) {}

  /** Feeds one chunk; false once `decode` has thrown (the decoder is then done). */
  push(chunk: Buffer): boolean {
    if (this.failed) return false;
    let open = true;
    const record = (event: SinkEvent): void => {
      if (!open) this.stale = true;
      this.events.push(event);
    };
    const sink: FrameSink<unknown> = { frame: (frame) => record({ frame }), frameError: (error) => record({ error }) };
    try {
      this.decoder.decode(chunk, sink);
    } catch (error) {
      this.thrown = error;
      this.failed = true;
    } finally {
      open = false;
    }
    if (this.stale) throw this.kase.fail('sink-per-call', 'the decoder delivered to the sink of an earlier decode call; it must deliver to the sink of the current call, before it returns');
    if (this.failed) return false;
    this.fed += chunk.length;
    this.steps.push({ fed: this.fed, chunk: chunk.length, held: this.decoder.bufferedBytes, delivered: this.events.length });
    return true;
  }

  /** Feeds `chunks` in order, stopping at the first that makes `decode` throw. */
  pushAll(chunks: readonly Buffer[]): this {
    for (const chunk of chunks) if (!this.push(chunk)) break;
    return this;
  }
}

/** Fails when a decoder held more than `bound` + the chunk just fed, or a bad count. */
export function checkRetention(kase: Case, property: CodecProperty, steps: readonly Step[], bound: number): void {
  steps.forEach((step, i) => {
    if (!Number.isSafeInteger(step.held) || step.held < 0) throw kase.fail('buffered-bytes', `bufferedBytes is ${step.held} after chunk ${i}; it must be a byte count`);
    if (step.held > bound + step.chunk) {
      throw kase.fail(property, `the decoder retains ${step.held} bytes after chunk ${i} (${step.chunk} bytes, ${step.fed} fed in all); at most maxRetained (${bound}) + the chunk is allowed`);
    }
  });
}

/** A positive integer option, or `fallback` when absent (required when there is none). */
export function positiveInteger(name: string, value: number | undefined, fallback: number | undefined): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new OptionError(`checkCodec: ${name} must be a positive integer, got ${show(value)}`);
  return value;
}

/** What `action` threw (an Error even when it threw undefined), or undefined when it returned. */
export function thrownBy(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    // A record of what the codec under test threw, not an error of torsion's: it must not be a
    // TorsionError, or the 'typed-errors' property would accept a codec that throws undefined.
    return error ?? new Error(`threw ${String(error)}`);
  }
  return undefined;
}

/** Bytes of an option's input; strings in `encoding`. */
export function toBytes(data: CheckBytes, encoding: 'utf8' | 'latin1'): Buffer {
  if (typeof data === 'string') return Buffer.from(data, encoding);
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new OptionError(`checkCodec: expected bytes (a Buffer, Uint8Array or string), got ${show(data)}`);
}

/** Everything in one chunk (no chunk for empty input). */
export function wholeSplit(length: number): CheckSplit {
  return length === 0 ? [] : [length];
}

/** Chunks whose sizes cycle through `sizes`, covering exactly `length` bytes. */
export function sizesSplit(length: number, sizes: readonly number[]): CheckSplit {
  const split: number[] = [];
  for (let at = 0, i = 0; at < length; i++) {
    const size = Math.min(sizes[i % sizes.length], length - at);
    split.push(size);
    at += size;
  }
  return split;
}

/** Copies, one per chunk, as a socket delivers them: views of one buffer would hide copying bugs. */
export function cut(wire: Buffer, split: CheckSplit): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const size of split) {
    chunks.push(Buffer.from(wire.subarray(at, at + size)));
    at += size;
  }
  return chunks;
}

/** A few random edits: a byte replaced (by a random one or one of the input's own), a cut, a repeat. */
export function mutate(wire: Buffer, rng: Prng): Buffer {
  let bytes = Buffer.from(wire);
  for (let edits = 1 + rng.below(3); edits > 0 && bytes.length > 0; edits--) {
    const at = rng.below(bytes.length);
    const kind = rng.below(4);
    if (kind === 0) bytes[at] = rng.below(256);
    else if (kind === 1) bytes[at] = bytes[rng.below(bytes.length)];
    else if (kind === 2) bytes = bytes.subarray(0, at);
    else bytes = Buffer.concat([bytes, bytes.subarray(at, at + 1 + rng.below(16))]).subarray(0, 2 * MAX_GARBAGE);
  }
  return bytes.length > 0 ? bytes : rng.bytes(1);
}

/** Deep equality for frames: bytes by content, arrays and plain objects by their members. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An error as `Name (CODE): message` for messages. */
export function describeError(error: unknown): string {
  if (error instanceof TorsionError) return `${error.name} (${error.code}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return show(error);
}

/** A short, readable rendering of a frame, value or input for messages. */
export function show(value: unknown, depth = 0): string {
  if (value instanceof Uint8Array) {
    const text = JSON.stringify(Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, 80)).toString('latin1'));
    return `<${value.byteLength} bytes ${text}${value.byteLength > 80 ? '...' : ''}>`;
  }
  if (typeof value === 'string') return value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}... (${value.length} chars)` : JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (depth > 2) return Array.isArray(value) ? '[...]' : typeof value === 'object' && value !== null ? '{...}' : String(value);
  if (Array.isArray(value)) return `[${value.slice(0, 8).map((item) => show(item, depth + 1)).join(', ')}${value.length > 8 ? `, ... (${value.length} items)` : ''}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    return `{${entries.slice(0, 8).map(([key, item]) => `${JSON.stringify(key)}: ${show(item, depth + 1)}`).join(', ')}${entries.length > 8 ? ', ...' : ''}}`;
  }
  if (value !== null && typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return String(value);
}

/** A split in words: one chunk, byte by byte, or the sizes. */
export function showSplit(split: CheckSplit): string {
  if (split.length === 0) return 'none (empty input)';
  if (split.length === 1) return `one chunk of ${split[0]} bytes`;
  if (split.every((size) => size === 1)) return `byte by byte (${split.length} chunks)`;
  return `[${split.slice(0, 24).join(', ')}${split.length > 24 ? `, ... (${split.length} chunks)` : ''}]`;
}
