import type { Codec, OutputChunks } from '../codec/codec';
import { FrameTooLargeError, OptionError, TorsionError } from '../errors';
import { Checker } from './check-codec-checker';
import type { CheckBytes, CheckSplit, CodecCheckReport, FramedCodecCheckOptions, StreamCodecCheckOptions, UnframedCodecCheckOptions } from './check-codec-options';
import { Case, checkRetention, cut, describeError, Feeder, MAX_GARBAGE, mutate, positiveInteger, show, sizesSplit, thrownBy, toBytes, Violation, wholeSplit, type Step } from './check-codec-support';

/** Stream codecs: what `encode` appends, the splits inputs are fed in, garbage. */
export abstract class StreamChecker extends Checker<Codec<unknown, unknown>> {
  protected readonly encoding: 'utf8' | 'latin1';
  private readonly sentinel = Buffer.from('torsion: written before encode');

  constructor(codec: Codec<unknown, unknown>, options: StreamCodecCheckOptions<unknown>) {
    super(codec, options);
    this.encoding = options.encoding ?? codec.stringEncoding ?? 'utf8';
  }

  /** The bytes `encode` appends for `value`, checking that it only appends. */
  protected encodeOne(value: unknown): Buffer {
    this.cases++;
    const kase = new Case(value, null);
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
      const kase = new Case(input, split);
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

/** Framing codecs: round trips, accounting, independence, oversized frames, malformed input. */
export class FramedChecker extends StreamChecker {
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

  /** Round trips at every split, independent decoders, oversize frames and replies, malformed input, refused replies, typed errors. */
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
      const kase = new Case(wire, split);
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
        const kase = new Case(wire, split);
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
        const kase = new Case(wire, split);
        this.cases++;
        return { values, wire, split, kase, chunks: cut(wire, split), feeder: new Feeder(this.codec.createDecoder(), kase) };
      });
      for (let c = 0; c < Math.max(a.chunks.length, b.chunks.length); c++) {
        if (c < a.chunks.length) a.feeder.push(a.chunks[c]);
        if (c < b.chunks.length) b.feeder.push(b.chunks[c]);
      }
      for (const [n, side] of [a, b].entries()) {
        const other = n === 0 ? b : a;
        const kase = new Case(side.wire, side.split);
        const note = ` (decoder ${n + 1} of 2, fed in turn with another decoder of the same codec reading ${show(other.wire)})`;
        if (side.feeder.failed) throw kase.fail('independent-decoders', `decode threw ${describeError(side.feeder.thrown)}${note}`, side.feeder.thrown);
        try {
          this.expectFrames(kase, 'independent-decoders', side.feeder.events, side.values.map((value) => this.expected(value)));
        } catch (error) {
          throw error instanceof Violation ? kase.fail('independent-decoders', error.detail + note, error.failure) : error;
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
      const kase = new Case(wire, split);
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
      throw new Case(this.options.oversizeReply, null).fail('max-length-encode', outcome, error);
    }
    this.checked.add('max-length-encode');
  }

  private checkMalformed(): void {
    const malformed = this.options.malformed ?? [];
    if (malformed.length === 0) return void this.skipped.add('malformed-input');
    for (const input of malformed) {
      const wire = toBytes(input, this.encoding);
      for (const split of this.splits(wire.length, 1)) {
        const kase = new Case(wire, split);
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
export class UnframedChecker extends StreamChecker {
  constructor(
    codec: Codec<unknown, unknown>,
    private readonly options: UnframedCodecCheckOptions<unknown>,
  ) {
    super(codec, options);
  }

  /** Each chunk must come out as one frame, whatever the split; then refused replies and typed errors. */
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
    if (!wire.equals(written)) throw new Case(values, null).fail('round-trip', `encode wrote ${show(wire)}, expected the bytes ${show(written)}`);
    for (const split of this.splits(wire.length, randomSplits)) {
      const kase = new Case(wire, split);
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
