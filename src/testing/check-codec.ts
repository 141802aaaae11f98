import type { Codec, Decoder, FrameSink, OutputChunks } from '../codec/codec';
import { isDatagramCodec, type DatagramCodec } from '../codec/datagram';
import { FrameError, FrameTooLargeError, OptionError, TorsionError } from '../errors';

/**
 * `checkCodec`: the codec conformance suite, shipped so that the authors of custom codecs run
 * what the built-in codecs run (hono's one shared test file per interface, Twisted's habit of
 * replaying input at every chunk size). It needs no test runner: it returns a report, or
 * throws a `CodecConformanceError` naming the property that failed, the input and the split.
 *
 * Randomness (which samples, how the stream is cut, what garbage is fed) comes from a seeded
 * generator, so a failure is reproduced by the same options and seed.
 */

/** The properties `checkCodec` checks; a `CodecConformanceError` names the one that failed. */
export type CodecProperty =
  /** `encode` only appends Buffers or strings to the output array, leaving what it held alone. */
  | 'encode-appends-only'
  /** What `encode` writes decodes to the expected frames, in order, under every split. */
  | 'round-trip'
  /** Frames go, synchronously, to the sink passed to the current `decode` call. */
  | 'sink-per-call'
  /** `bufferedBytes` counts the bytes fed and not yet delivered as frames, and is 0 between frames. */
  | 'buffered-bytes'
  /** A decoder never retains more than `maxRetained` bytes plus the chunk just fed. */
  | 'retention-bound'
  /** Two decoders of one codec, fed interleaved, do not share state. */
  | 'independent-decoders'
  /** An oversized frame is refused with a FrameTooLargeError before it is buffered whole. */
  | 'max-length-decode'
  /** `encode` refuses a reply over the maximum with a FrameTooLargeError. */
  | 'max-length-encode'
  /** Input that breaks the grammar is reported as a TorsionError. */
  | 'malformed-input'
  /** `encode` refuses a value it cannot write with a TorsionError. */
  | 'invalid-reply'
  /** Arbitrary and mutated input gives frames or TorsionErrors, never another exception. */
  | 'typed-errors'
  /** Unframed codecs (`raw()`): every chunk is one frame, and the frames concatenate to the input. */
  | 'chunk-frames'
  /** A datagram over `maxSize` is refused with a FrameTooLargeError. */
  | 'max-size-decode'
  /** `encode` refuses a value whose datagram would exceed `maxSize` with a FrameTooLargeError. */
  | 'max-size-encode';

/** Bytes as the options give them; strings are UTF-8. */
export type CheckBytes = Uint8Array | string;

/** A split: the sizes of the chunks the input was cut into, in order. */
export type CheckSplit = readonly number[];

interface SampleOptions<R> {
  /** Replies that `encode` accepts and that decode back to a frame. At least one. */
  values: readonly R[];
  /** The frame decoded from an encoded value. Default: the value itself. */
  expected?: (value: R) => unknown;
  /** Compares a decoded frame with its expected one. Default: deep equality, bytes compared by content. */
  equals?: (actual: unknown, expected: unknown) => boolean;
  /** Values `encode` must refuse with a TorsionError (the wrong type, unencodable). */
  invalidReplies?: readonly unknown[];
  /** Seed of the generator that picks samples, splits and garbage. Default 1. */
  seed?: number;
  /** Random cases per property. Default 25. */
  runs?: number;
}

/** Options for a stream codec that frames its input (every built-in one but `raw()`). */
export interface FramedCodecCheckOptions<R> extends SampleOptions<R> {
  unframed?: false;
  /**
   * The most a decoder may retain beyond the chunk just fed: the codec's largest frame on the
   * wire (for `lines`, maxLength plus the delimiter, plus 1 for the '\r' of a CRLF).
   */
  maxRetained: number;
  /** How the strings `encode` appends become bytes. Default: the codec's `stringEncoding`, else 'utf8'. */
  encoding?: 'utf8' | 'latin1';
  /** Inputs `encode` does not produce (inline commands, CRLF lines), with the frames they decode to. */
  wires?: ReadonlyArray<{ readonly input: CheckBytes; readonly frames: readonly unknown[] }>;
  /**
   * One complete oversized frame on the wire, more than `maxRetained` + 2 bytes long (so a decoder
   * that buffers it whole breaks the retention bound when it arrives byte by byte).
   */
  oversize?: CheckBytes;
  /** What the codec does with `oversize`: 'throw' a FrameTooLargeError (fail fast, the default), or 'discard' it and report one through `frameError`. */
  overflow?: 'throw' | 'discard';
  /** A reply over the maximum, which `encode` must refuse with a FrameTooLargeError. */
  oversizeReply?: R;
  /** Inputs that break the grammar: decoding each must report a TorsionError (thrown or through `frameError`). */
  malformed?: readonly CheckBytes[];
  /**
   * True (default): `bufferedBytes` is exactly the bytes fed since the end of the last frame, as
   * for every `FrameDecoder`. False: at most that, for a decoder that keeps parsed headers as state.
   */
  exactBufferedBytes?: boolean;
}

/** Options for an unframed stream codec (`raw()`): each chunk is a frame; `expected` gives the bytes a value is written as. */
export interface UnframedCodecCheckOptions<R> extends SampleOptions<R> {
  unframed: true;
  /** How the strings `encode` appends become bytes. Default: the codec's `stringEncoding`, else 'utf8'. */
  encoding?: 'utf8' | 'latin1';
}

export type StreamCodecCheckOptions<R> = FramedCodecCheckOptions<R> | UnframedCodecCheckOptions<R>;

/** Options for a datagram codec. */
export interface DatagramCodecCheckOptions<R> extends SampleOptions<R> {
  /** A value whose datagram would exceed `maxSize`: `encode` must refuse it with a FrameTooLargeError. */
  oversize?: R;
  /** Datagrams that `decode` must refuse with a FrameError (e.g. invalid UTF-8). */
  malformed?: readonly CheckBytes[];
}

/** What a passing `checkCodec` checked. */
export interface CodecCheckReport {
  readonly codec: string;
  /** The properties checked. */
  readonly checked: readonly CodecProperty[];
  /** The properties left unchecked because their option was not given (e.g. no `oversize`). */
  readonly skipped: readonly CodecProperty[];
  /** Encode and decode cases run, all properties together. */
  readonly cases: number;
}

/**
 * A codec broke its contract. `property` names what failed, `input` is what broke it (the bytes
 * fed, or the value encoded) and `split` the chunk sizes it was fed in (null when not fed).
 * Code `TORSION_ERR_CODEC_CONFORMANCE`.
 */
export class CodecConformanceError extends TorsionError {
  constructor(
    /** The codec's `name`. */
    readonly codec: string,
    readonly property: CodecProperty,
    /** What went wrong, in words. */
    readonly detail: string,
    readonly input: unknown,
    readonly split: CheckSplit | null,
    options?: { cause?: unknown },
  ) {
    const where = split === null ? '' : `; split ${showSplit(split)}`;
    super('TORSION_ERR_CODEC_CONFORMANCE', `checkCodec(${codec}): ${property}: ${detail}; input ${show(input)}${where}`, options);
  }
}

/**
 * Checks `codec` against its contract (`Codec` in src/codec/codec.ts, `DatagramCodec` in
 * src/codec/datagram.ts) on the samples in `options`; returns what was checked, or throws a
 * `CodecConformanceError` at the first property that fails. The samples may be of a narrower
 * type than the codec's replies (Buffers for a codec that also writes strings): `expected`
 * and `oversizeReply` are typed after them.
 *
 * @example
 * test('conforms', () => {
 *   const report = checkCodec(lines({ maxLength: 32 }), { values: ['', 'a b', 'é😀'], maxRetained: 33, oversize: 'x'.repeat(40) + '\n' });
 *   expect(report.skipped).toEqual(['max-length-encode', 'malformed-input', 'invalid-reply']);
 * });
 */
export function checkCodec<F, R, V extends R = R>(codec: Codec<F, R>, options: StreamCodecCheckOptions<V>): CodecCheckReport;
export function checkCodec<D, R, V extends R = R>(codec: DatagramCodec<D, R>, options: DatagramCodecCheckOptions<V>): CodecCheckReport;
export function checkCodec(codec: Codec<unknown, unknown> | DatagramCodec<unknown, unknown>, options: StreamCodecCheckOptions<unknown> | DatagramCodecCheckOptions<unknown>): CodecCheckReport {
  if (isDatagramCodec(codec)) return new DatagramChecker(codec, options as DatagramCodecCheckOptions<unknown>).run();
  const stream = options as StreamCodecCheckOptions<unknown>;
  if (stream.unframed === true) return new UnframedChecker(codec, stream).run();
  return new FramedChecker(codec, stream).run();
}

const DEFAULT_RUNS = 25;
/** Most values one random case encodes in a row. */
const MAX_SEQUENCE = 8;
/** Most bytes of one random garbage input. */
const MAX_GARBAGE = 512;

type SinkEvent = { frame: unknown } | { error: Error };

/** After one `decode` call: bytes fed so far, the chunk's size, `bufferedBytes`, events so far. */
interface Step {
  fed: number;
  chunk: number;
  held: number;
  delivered: number;
}

/** A seeded generator (mulberry32): the same seed gives the same cases everywhere. */
class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

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

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  bytes(length: number): Buffer {
    const bytes = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) bytes[i] = this.below(256);
    return bytes;
  }
}

/** One input and how it was cut: builds the error that names both. */
class Case {
  constructor(
    readonly codec: string,
    readonly input: unknown,
    readonly split: CheckSplit | null,
  ) {}

  fail(property: CodecProperty, detail: string, cause?: unknown): CodecConformanceError {
    return new CodecConformanceError(this.codec, property, detail, this.input, this.split, cause === undefined ? undefined : { cause });
  }
}

/**
 * Feeds chunks to one decoder, a fresh sink per `decode` call (so a decoder that keeps an
 * earlier call's sink is caught), recording events and `bufferedBytes` after every call.
 */
class Feeder {
  readonly events: SinkEvent[] = [];
  readonly steps: Step[] = [];
  thrown: unknown = undefined;
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

  pushAll(chunks: readonly Buffer[]): this {
    for (const chunk of chunks) if (!this.push(chunk)) break;
    return this;
  }
}

/** What stream and datagram checkers share: options, samples, the generator, the tally. */
abstract class Checker<C extends { readonly name: string }> {
  protected readonly rng: Prng;
  protected readonly runs: number;
  protected readonly values: readonly unknown[];
  protected readonly checked = new Set<CodecProperty>();
  protected readonly skipped = new Set<CodecProperty>();
  protected cases = 0;
  private readonly expectedOf: (value: unknown) => unknown;
  private readonly equals: (actual: unknown, expected: unknown) => boolean;

  constructor(
    protected readonly codec: C,
    options: SampleOptions<unknown>,
  ) {
    if (options === null || typeof options !== 'object') throw new OptionError('checkCodec: options must be an object with at least { values: [...] }');
    if (!Array.isArray(options.values) || options.values.length === 0) throw new OptionError('checkCodec: values must be a non-empty array of replies the codec round-trips');
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed)) throw new OptionError(`checkCodec: seed must be an integer, got ${seed}`);
    this.runs = positiveInteger('runs', options.runs, DEFAULT_RUNS);
    this.rng = new Prng(seed);
    this.values = options.values;
    this.expectedOf = options.expected ?? ((value) => value);
    this.equals = options.equals ?? deepEqual;
  }

  abstract run(): CodecCheckReport;

  protected report(): CodecCheckReport {
    return { codec: this.codec.name, checked: [...this.checked], skipped: [...this.skipped], cases: this.cases };
  }

  protected expected(value: unknown): unknown {
    return this.expectedOf(value);
  }

  /** Fails unless `events` are exactly the frames expected for `values`, in order. */
  protected expectFrames(kase: Case, property: CodecProperty, events: readonly SinkEvent[], expected: readonly unknown[]): void {
    const count = Math.min(events.length, expected.length);
    for (let i = 0; i < count; i++) {
      const event = events[i];
      if ('error' in event) throw kase.fail(property, `frame ${i} was reported as an error: ${describeError(event.error)}`, event.error);
      if (!this.equals(event.frame, expected[i])) throw kase.fail(property, `frame ${i} is ${show(event.frame)}, expected ${show(expected[i])}`);
    }
    if (events.length !== expected.length) {
      throw kase.fail(property, `${events.length} frames were delivered, expected ${expected.length}${events.length > count ? `; the first extra one is ${show(events[count])}` : ''}`);
    }
  }

  /** A random run of samples, 1 to MAX_SEQUENCE long. */
  protected sequence(): unknown[] {
    const length = 1 + this.rng.below(MAX_SEQUENCE);
    return Array.from({ length }, () => this.rng.pick(this.values));
  }

  /** `encode` must refuse each value with a TorsionError. */
  protected checkInvalidReplies(invalid: readonly unknown[] | undefined, encode: (value: unknown) => void): void {
    if (invalid === undefined || invalid.length === 0) return void this.skipped.add('invalid-reply');
    for (const value of invalid) {
      this.cases++;
      const error = thrownBy(() => encode(value));
      if (!(error instanceof TorsionError)) {
        const outcome = error === undefined ? 'encode accepted it' : `encode threw ${describeError(error)}, not a TorsionError`;
        throw new Case(this.codec.name, value, null).fail('invalid-reply', outcome, error);
      }
    }
    this.checked.add('invalid-reply');
  }
}

/** Stream codecs: what `encode` appends, and the splits every input is fed in. */
abstract class StreamChecker extends Checker<Codec<unknown, unknown>> {
  protected readonly encoding: 'utf8' | 'latin1';
  private readonly sentinel = Buffer.from('torsion: written before encode');

  constructor(codec: Codec<unknown, unknown>, options: StreamCodecCheckOptions<unknown>) {
    super(codec, options);
    this.encoding = options.encoding ?? codec.stringEncoding ?? 'utf8';
  }

  /** The bytes `encode` appends for `value`, checking that it only appends. */
  protected encodeOne(value: unknown): Buffer {
    this.cases++;
    const kase = new Case(this.codec.name, value, null);
    const before: OutputChunks = ['torsion: written before encode', this.sentinel];
    const out = [...before];
    try {
      this.codec.encode(value, out);
    } catch (error) {
      throw kase.fail('round-trip', `encode refused a sample value: ${describeError(error)}`, error);
    }
    if (out.length < before.length || out[0] !== before[0] || out[1] !== before[1] || !this.sentinel.equals(Buffer.from('torsion: written before encode'))) {
      throw kase.fail('encode-appends-only', 'encode changed what the output array held before the call; it must only append');
    }
    const pieces = out.slice(before.length);
    for (const piece of pieces) {
      if (typeof piece !== 'string' && !Buffer.isBuffer(piece)) throw kase.fail('encode-appends-only', `encode appended ${show(piece)}; pieces must be Buffers or strings`);
    }
    this.checked.add('encode-appends-only');
    return Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, this.encoding) : piece)));
  }

  /** The wire bytes of `values` and where each value's bytes end. */
  protected wireOf(values: readonly unknown[]): { wire: Buffer; ends: number[] } {
    const pieces = values.map((value) => this.encodeOne(value));
    const ends: number[] = [];
    let at = 0;
    for (const piece of pieces) ends.push((at += piece.length));
    return { wire: Buffer.concat(pieces), ends };
  }

  /** Byte by byte, all at once, and `count` random splits (tiny to large chunks). */
  protected splits(length: number, count: number): CheckSplit[] {
    const splits = [wholeSplit(length), sizesSplit(length, [1])];
    for (let i = 0; i < count; i++) splits.push(this.randomSplit(length));
    return splits;
  }

  /** Random chunk sizes from 1 to a maximum that is itself random: small half the time. */
  protected randomSplit(length: number): CheckSplit {
    const maxChunk = 1 + this.rng.below(this.rng.next() < 0.5 ? 8 : Math.max(1, length));
    const split: number[] = [];
    for (let at = 0; at < length; ) {
      const size = Math.min(1 + this.rng.below(maxChunk), length - at);
      split.push(size);
      at += size;
    }
    return split;
  }

  protected feed(kase: Case, wire: Buffer, split: CheckSplit): Feeder {
    this.cases++;
    return new Feeder(this.codec.createDecoder(), kase).pushAll(cut(wire, split));
  }

  /** Arbitrary bytes or a mutated wire, fed in a random split: frames or TorsionErrors only. */
  protected checkTypedErrors(bound: number | null): void {
    for (let i = 0; i < this.runs; i++) {
      const input = this.rng.next() < 0.4 ? this.rng.bytes(1 + this.rng.below(MAX_GARBAGE)) : mutate(this.wireOf(this.sequence()).wire, this.rng);
      const split = this.randomSplit(input.length);
      const kase = new Case(this.codec.name, input, split);
      const feeder = this.feed(kase, input, split);
      if (feeder.failed && !(feeder.thrown instanceof TorsionError)) {
        throw kase.fail('typed-errors', `decode threw ${describeError(feeder.thrown)}, not a TorsionError`, feeder.thrown);
      }
      for (const event of feeder.events) {
        if ('error' in event && !(event.error instanceof TorsionError)) throw kase.fail('typed-errors', `frameError got ${describeError(event.error)}, not a TorsionError`, event.error);
      }
      if (bound !== null) checkRetention(kase, 'retention-bound', feeder.steps, bound);
    }
    this.checked.add('typed-errors');
  }
}

class FramedChecker extends StreamChecker {
  private readonly options: FramedCodecCheckOptions<unknown>;
  private readonly maxRetained: number;

  constructor(codec: Codec<unknown, unknown>, options: FramedCodecCheckOptions<unknown>) {
    super(codec, options);
    this.options = options;
    this.maxRetained = positiveInteger('maxRetained', options.maxRetained, undefined);
    const oversize = options.oversize;
    if (oversize !== undefined && toBytes(oversize, 'utf8').length <= this.maxRetained + 2) {
      throw new OptionError(`checkCodec: oversize (${toBytes(oversize, 'utf8').length} bytes) must be longer than maxRetained + 2 (${this.maxRetained + 2}), or a decoder that buffers it whole would pass`);
    }
  }

  run(): CodecCheckReport {
    this.checkRoundTrips();
    this.checkWires();
    this.checkIndependence();
    this.checkOversize();
    this.checkOversizeReply();
    this.checkMalformed();
    this.checkInvalidReplies(this.options.invalidReplies, (value) => this.codec.encode(value, []));
    this.checkTypedErrors(this.maxRetained);
    return this.report();
  }

  /** Each value alone, all of them in a row (also frame by frame), then random runs. */
  private checkRoundTrips(): void {
    for (const value of this.values) this.roundTrip([value], 0);
    this.roundTrip(this.values, this.runs, true);
    for (let i = 0; i < this.runs; i++) this.roundTrip(this.sequence(), 1);
    for (const property of ['round-trip', 'sink-per-call', 'buffered-bytes', 'retention-bound'] as const) this.checked.add(property);
  }

  private roundTrip(values: readonly unknown[], randomSplits: number, byFrame = false): void {
    const { wire, ends } = this.wireOf(values);
    const splits = this.splits(wire.length, randomSplits);
    if (byFrame) splits.push(sizesSplit(wire.length, ends.map((end, i) => end - (ends[i - 1] ?? 0)).filter((size) => size > 0)));
    const expected = values.map((value) => this.expected(value));
    for (const split of splits) {
      const kase = new Case(this.codec.name, wire, split);
      const feeder = this.feed(kase, wire, split);
      if (feeder.failed) throw kase.fail('round-trip', `decode threw ${describeError(feeder.thrown)}`, feeder.thrown);
      this.expectFrames(kase, 'round-trip', feeder.events, expected);
      checkRetention(kase, 'retention-bound', feeder.steps, this.maxRetained);
      this.checkAccounting(kase, feeder.steps, ends);
    }
  }

  /** `bufferedBytes` against the bytes fed since the end of the last frame delivered. */
  private checkAccounting(kase: Case, steps: readonly Step[], ends: readonly number[]): void {
    const exact = this.options.exactBufferedBytes ?? true;
    steps.forEach((step, i) => {
      const unfinished = step.fed - (step.delivered === 0 ? 0 : ends[step.delivered - 1]);
      if (exact ? step.held !== unfinished : step.held > unfinished) {
        const wanted = exact ? `${unfinished}` : `at most ${unfinished}`;
        throw kase.fail('buffered-bytes', `bufferedBytes is ${step.held} after chunk ${i}, but ${unfinished} bytes of an unfinished frame were fed (expected ${wanted})`);
      }
    });
  }

  private checkWires(): void {
    for (const { input, frames } of this.options.wires ?? []) {
      const wire = toBytes(input, this.encoding);
      for (const split of this.splits(wire.length, Math.ceil(this.runs / 5))) {
        const kase = new Case(this.codec.name, wire, split);
        const feeder = this.feed(kase, wire, split);
        if (feeder.failed) throw kase.fail('round-trip', `decode threw ${describeError(feeder.thrown)}`, feeder.thrown);
        this.expectFrames(kase, 'round-trip', feeder.events, frames);
        checkRetention(kase, 'retention-bound', feeder.steps, this.maxRetained);
        const held = feeder.steps.at(-1)?.held ?? 0;
        if (held !== 0) throw kase.fail('buffered-bytes', `bufferedBytes is ${held} once the whole input was decoded, expected 0`);
      }
    }
  }

  /** Two decoders, fed chunk about, each gets its own frames. */
  private checkIndependence(): void {
    for (let i = 0; i < Math.ceil(this.runs / 5); i++) {
      const first = i === 0 ? this.values : this.sequence();
      const second = i === 0 ? [...this.values].reverse().concat(this.values.slice(0, 1)) : this.sequence();
      const [a, b] = [first, second].map((values) => {
        const { wire } = this.wireOf(values);
        const split = this.randomSplit(wire.length);
        const kase = new Case(this.codec.name, wire, split);
        this.cases++;
        return { values, wire, split, kase, chunks: cut(wire, split), feeder: new Feeder(this.codec.createDecoder(), kase) };
      });
      for (let c = 0; c < Math.max(a.chunks.length, b.chunks.length); c++) {
        if (c < a.chunks.length) a.feeder.push(a.chunks[c]);
        if (c < b.chunks.length) b.feeder.push(b.chunks[c]);
      }
      for (const [n, side] of [a, b].entries()) {
        const other = n === 0 ? b : a;
        const kase = new Case(this.codec.name, side.wire, side.split);
        const note = ` (decoder ${n + 1} of 2, fed in turn with another decoder of the same codec reading ${show(other.wire)})`;
        if (side.feeder.failed) throw kase.fail('independent-decoders', `decode threw ${describeError(side.feeder.thrown)}${note}`, side.feeder.thrown);
        try {
          this.expectFrames(kase, 'independent-decoders', side.feeder.events, side.values.map((value) => this.expected(value)));
        } catch (error) {
          throw error instanceof CodecConformanceError ? kase.fail('independent-decoders', error.detail + note) : error;
        }
      }
    }
    this.checked.add('independent-decoders');
  }

  /** Frames, the oversized frame, frames: refused in time, and (discarding) the stream goes on. */
  private checkOversize(): void {
    const oversize = this.options.oversize;
    if (oversize === undefined) return void this.skipped.add('max-length-decode');
    const discard = this.options.overflow === 'discard';
    const before = this.values.slice(0, 2);
    const after = this.values.slice(2, 4).length > 0 ? this.values.slice(2, 4) : this.values.slice(0, 1);
    const wire = Buffer.concat([this.wireOf(before).wire, toBytes(oversize, this.encoding), this.wireOf(after).wire]);
    const expectedBefore = before.map((value) => this.expected(value));
    let reported: number | undefined;
    for (const split of this.splits(wire.length, Math.ceil(this.runs / 2))) {
      const kase = new Case(this.codec.name, wire, split);
      const feeder = this.feed(kase, wire, split);
      checkRetention(kase, 'max-length-decode', feeder.steps, this.maxRetained);
      const events = feeder.events;
      this.expectFrames(kase, 'max-length-decode', events.slice(0, before.length), expectedBefore);
      if (!discard) {
        if (!feeder.failed) {
          const reportedInstead = events.some((e) => 'error' in e) ? ' (it reported an error through frameError: pass overflow: "discard" if the codec discards oversized frames)' : '';
          throw kase.fail('max-length-decode', `the oversized frame was not refused: decode never threw${reportedInstead}`);
        }
        if (!(feeder.thrown instanceof FrameTooLargeError)) throw kase.fail('max-length-decode', `decode threw ${describeError(feeder.thrown)}, not a FrameTooLargeError`, feeder.thrown);
        if (events.length > before.length) throw kase.fail('max-length-decode', `${events.length - before.length} events were delivered after the frames before the oversized one, expected none`);
        continue;
      }
      if (feeder.failed) throw kase.fail('max-length-decode', `decode threw ${describeError(feeder.thrown)}; with overflow 'discard' the frame is reported through frameError and decoding goes on`, feeder.thrown);
      const error = events[before.length];
      if (error === undefined || !('error' in error) || !(error.error instanceof FrameTooLargeError)) {
        throw kase.fail('max-length-decode', `event ${before.length} is ${error === undefined ? 'missing' : show('error' in error ? error.error : error.frame)}, expected a FrameTooLargeError for the oversized frame`);
      }
      reported ??= error.error.length;
      if (error.error.length !== reported) throw kase.fail('max-length-decode', `the FrameTooLargeError reports length ${error.error.length} under this split but ${reported} under another; it must not depend on the split`);
      this.expectFrames(kase, 'max-length-decode', events.slice(before.length + 1), after.map((value) => this.expected(value)));
    }
    this.checked.add('max-length-decode');
  }

  private checkOversizeReply(): void {
    if (!('oversizeReply' in this.options)) return void this.skipped.add('max-length-encode');
    this.cases++;
    const error = thrownBy(() => this.codec.encode(this.options.oversizeReply, []));
    if (!(error instanceof FrameTooLargeError)) {
      const outcome = error === undefined ? 'encode accepted it' : `encode threw ${describeError(error)}, not a FrameTooLargeError`;
      throw new Case(this.codec.name, this.options.oversizeReply, null).fail('max-length-encode', outcome, error);
    }
    this.checked.add('max-length-encode');
  }

  private checkMalformed(): void {
    const malformed = this.options.malformed ?? [];
    if (malformed.length === 0) return void this.skipped.add('malformed-input');
    for (const input of malformed) {
      const wire = toBytes(input, this.encoding);
      for (const split of this.splits(wire.length, 1)) {
        const kase = new Case(this.codec.name, wire, split);
        const feeder = this.feed(kase, wire, split);
        const errors = [...feeder.events.flatMap((e) => ('error' in e ? [e.error] : [])), ...(feeder.failed ? [feeder.thrown] : [])];
        if (errors.length === 0) throw kase.fail('malformed-input', `the input was accepted: ${feeder.events.length} frames and no error`);
        const untyped = errors.find((e) => !(e instanceof TorsionError));
        if (untyped !== undefined) throw kase.fail('malformed-input', `it was reported as ${describeError(untyped)}, not a TorsionError`, untyped);
        checkRetention(kase, 'retention-bound', feeder.steps, this.maxRetained);
      }
    }
    this.checked.add('malformed-input');
  }
}

/** `raw()` and its kind: no framing, so each chunk is a frame and nothing is retained. */
class UnframedChecker extends StreamChecker {
  constructor(
    codec: Codec<unknown, unknown>,
    private readonly options: UnframedCodecCheckOptions<unknown>,
  ) {
    super(codec, options);
  }

  run(): CodecCheckReport {
    this.checkChunks(this.values, this.runs);
    for (let i = 0; i < this.runs; i++) this.checkChunks(this.sequence(), 1);
    for (const property of ['round-trip', 'chunk-frames', 'sink-per-call', 'buffered-bytes'] as const) this.checked.add(property);
    this.checkInvalidReplies(this.options.invalidReplies, (value) => this.codec.encode(value, []));
    this.checkTypedErrors(null);
    return this.report();
  }

  private checkChunks(values: readonly unknown[], randomSplits: number): void {
    const { wire } = this.wireOf(values);
    const written = Buffer.concat(values.map((value) => toBytes(this.expected(value) as CheckBytes, this.encoding)));
    if (!wire.equals(written)) throw new Case(this.codec.name, values, null).fail('round-trip', `encode wrote ${show(wire)}, expected the bytes ${show(written)}`);
    for (const split of this.splits(wire.length, randomSplits)) {
      const kase = new Case(this.codec.name, wire, split);
      const chunks = cut(wire, split);
      const feeder = this.feed(kase, wire, split);
      if (feeder.failed) throw kase.fail('round-trip', `decode threw ${describeError(feeder.thrown)}`, feeder.thrown);
      this.expectFrames(kase, 'chunk-frames', feeder.events, chunks);
      feeder.steps.forEach((step, i) => {
        if (step.held !== 0) throw kase.fail('buffered-bytes', `bufferedBytes is ${step.held} after chunk ${i}; an unframed decoder retains nothing`);
      });
    }
  }
}

class DatagramChecker extends Checker<DatagramCodec<unknown, unknown>> {
  constructor(
    codec: DatagramCodec<unknown, unknown>,
    private readonly options: DatagramCodecCheckOptions<unknown>,
  ) {
    super(codec, options);
    if (!Number.isSafeInteger(codec.maxSize) || codec.maxSize < 1) throw new OptionError(`checkCodec: the codec's maxSize must be a positive integer, got ${codec.maxSize}`);
  }

  run(): CodecCheckReport {
    for (const value of this.values) this.roundTrip(value);
    this.checked.add('round-trip');
    this.checkMaxSizeDecode();
    this.checkMaxSizeEncode();
    this.checkMalformed();
    this.checkInvalidReplies(this.options.invalidReplies, (value) => this.codec.encode(value));
    this.checkTypedErrors();
    return this.report();
  }

  private encodeOne(value: unknown): Buffer {
    this.cases++;
    const kase = new Case(this.codec.name, value, null);
    let datagram: unknown;
    try {
      datagram = this.codec.encode(value);
    } catch (error) {
      throw kase.fail('round-trip', `encode refused a sample value: ${describeError(error)}`, error);
    }
    if (!Buffer.isBuffer(datagram)) throw kase.fail('round-trip', `encode returned ${show(datagram)}, not a Buffer`);
    if (datagram.length > this.codec.maxSize) throw kase.fail('max-size-encode', `encode returned ${datagram.length} bytes, over maxSize (${this.codec.maxSize})`);
    return datagram;
  }

  private roundTrip(value: unknown): void {
    const datagram = Buffer.from(this.encodeOne(value)); // a copy, as the socket delivers it
    const kase = new Case(this.codec.name, datagram, null);
    let decoded: unknown;
    try {
      decoded = this.codec.decode(datagram);
    } catch (error) {
      throw kase.fail('round-trip', `decode threw ${describeError(error)}`, error);
    }
    this.expectFrames(kase, 'round-trip', [{ frame: decoded }], [this.expected(value)]);
  }

  /** maxSize + 1 bytes, both blank and made of a sample's bytes: refused for the size alone. */
  private checkMaxSizeDecode(): void {
    const size = this.codec.maxSize + 1;
    const sample = this.encodeOne(this.values[0]);
    const inputs = [Buffer.alloc(size, 0x20), sample.length > 0 ? Buffer.alloc(size, sample) : Buffer.alloc(size)];
    for (const input of inputs) {
      this.cases++;
      const error = thrownBy(() => this.codec.decode(input));
      if (!(error instanceof FrameTooLargeError)) {
        const outcome = error === undefined ? `decode accepted a datagram over maxSize (${this.codec.maxSize})` : `decode threw ${describeError(error)}, not a FrameTooLargeError`;
        throw new Case(this.codec.name, input, null).fail('max-size-decode', outcome, error);
      }
    }
    this.checked.add('max-size-decode');
  }

  private checkMaxSizeEncode(): void {
    if (!('oversize' in this.options)) return void this.skipped.add('max-size-encode');
    this.cases++;
    const error = thrownBy(() => this.codec.encode(this.options.oversize));
    if (!(error instanceof FrameTooLargeError)) {
      const outcome = error === undefined ? `encode accepted it (maxSize ${this.codec.maxSize})` : `encode threw ${describeError(error)}, not a FrameTooLargeError`;
      throw new Case(this.codec.name, this.options.oversize, null).fail('max-size-encode', outcome, error);
    }
    this.checked.add('max-size-encode');
  }

  private checkMalformed(): void {
    const malformed = this.options.malformed ?? [];
    if (malformed.length === 0) return void this.skipped.add('malformed-input');
    for (const input of malformed) {
      this.cases++;
      const datagram = Buffer.from(toBytes(input, 'utf8'));
      const error = thrownBy(() => this.codec.decode(datagram));
      if (!(error instanceof FrameError)) {
        const outcome = error === undefined ? 'decode accepted it' : `decode threw ${describeError(error)}, not a FrameError`;
        throw new Case(this.codec.name, datagram, null).fail('malformed-input', outcome, error);
      }
    }
    this.checked.add('malformed-input');
  }

  private checkTypedErrors(): void {
    const limit = Math.min(this.codec.maxSize, MAX_GARBAGE);
    for (let i = 0; i < this.runs; i++) {
      this.cases++;
      const random = this.rng.next() < 0.4 ? this.rng.bytes(this.rng.below(limit + 1)) : mutate(this.encodeOne(this.rng.pick(this.values)), this.rng);
      const datagram = random.subarray(0, this.codec.maxSize);
      const error = thrownBy(() => this.codec.decode(datagram));
      if (error !== undefined && !(error instanceof TorsionError)) {
        throw new Case(this.codec.name, datagram, null).fail('typed-errors', `decode threw ${describeError(error)}, not a TorsionError`, error);
      }
    }
    this.checked.add('typed-errors');
  }
}

/** Fails when a decoder held more than `bound` + the chunk just fed, or a bad count. */
function checkRetention(kase: Case, property: CodecProperty, steps: readonly Step[], bound: number): void {
  steps.forEach((step, i) => {
    if (!Number.isSafeInteger(step.held) || step.held < 0) throw kase.fail('buffered-bytes', `bufferedBytes is ${step.held} after chunk ${i}; it must be a byte count`);
    if (step.held > bound + step.chunk) {
      throw kase.fail(property, `the decoder retains ${step.held} bytes after chunk ${i} (${step.chunk} bytes, ${step.fed} fed in all); at most maxRetained (${bound}) + the chunk is allowed`);
    }
  });
}

function positiveInteger(name: string, value: number | undefined, fallback: number | undefined): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new OptionError(`checkCodec: ${name} must be a positive integer, got ${show(value)}`);
  return value;
}

function thrownBy(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error ?? new Error(`threw ${String(error)}`);
  }
  return undefined;
}

function toBytes(data: CheckBytes, encoding: 'utf8' | 'latin1'): Buffer {
  if (typeof data === 'string') return Buffer.from(data, encoding);
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new OptionError(`checkCodec: expected bytes (a Buffer, Uint8Array or string), got ${show(data)}`);
}

function wholeSplit(length: number): CheckSplit {
  return length === 0 ? [] : [length];
}

/** Chunks whose sizes cycle through `sizes`, covering exactly `length` bytes. */
function sizesSplit(length: number, sizes: readonly number[]): CheckSplit {
  const split: number[] = [];
  for (let at = 0, i = 0; at < length; i++) {
    const size = Math.min(sizes[i % sizes.length], length - at);
    split.push(size);
    at += size;
  }
  return split;
}

/** Copies, one per chunk, as a socket delivers them: views of one buffer would hide copying bugs. */
function cut(wire: Buffer, split: CheckSplit): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const size of split) {
    chunks.push(Buffer.from(wire.subarray(at, at + size)));
    at += size;
  }
  return chunks;
}

/** A few random edits: a byte replaced (by a random one or one of the input's own), a cut, a repeat. */
function mutate(wire: Buffer, rng: Prng): Buffer {
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
function deepEqual(a: unknown, b: unknown): boolean {
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

function describeError(error: unknown): string {
  if (error instanceof TorsionError) return `${error.name} (${error.code}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return show(error);
}

/** A short, readable rendering of a frame, value or input for messages. */
function show(value: unknown, depth = 0): string {
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

function showSplit(split: CheckSplit): string {
  if (split.length === 0) return 'none (empty input)';
  if (split.length === 1) return `one chunk of ${split[0]} bytes`;
  if (split.every((size) => size === 1)) return `byte by byte (${split.length} chunks)`;
  return `[${split.slice(0, 24).join(', ')}${split.length > 24 ? `, ... (${split.length} chunks)` : ''}]`;
}
