import { OptionError, TorsionError } from '../errors';
import type { CodecCheckReport, CodecProperty, SampleOptions } from './check-codec-options';
import { Case, DEFAULT_RUNS, deepEqual, describeError, MAX_SEQUENCE, positiveInteger, Prng, show, thrownBy, type SinkEvent } from './check-codec-support';

/** What the stream and datagram checkers share: options, samples, the generator, the tally. */
export abstract class Checker<C extends { readonly name: string }> {
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

  /**
   * Checks every property that applies to this kind of codec, in a fixed order; throws a
   * `Violation` at the first that fails (`checkCodec` turns it into a `CodecConformanceError`),
   * else returns which properties were checked and which skipped, and how many cases ran.
   */
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
        throw new Case(value, null).fail('invalid-reply', outcome, error);
      }
    }
    this.checked.add('invalid-reply');
  }
}
