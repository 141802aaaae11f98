import type { DatagramCodec } from '../codec/datagram';
import { FrameError, FrameTooLargeError, OptionError, TorsionError } from '../errors';
import { Checker } from './check-codec-checker';
import type { CodecCheckReport, DatagramCodecCheckOptions } from './check-codec-options';
import { Case, describeError, MAX_GARBAGE, mutate, show, thrownBy, toBytes } from './check-codec-support';

/** Datagram codecs: round trips, `maxSize` both ways, malformed and arbitrary datagrams. */
export class DatagramChecker extends Checker<DatagramCodec<unknown, unknown>> {
  constructor(
    codec: DatagramCodec<unknown, unknown>,
    private readonly options: DatagramCodecCheckOptions<unknown>,
  ) {
    super(codec, options);
    if (!Number.isSafeInteger(codec.maxSize) || codec.maxSize < 1) throw new OptionError(`checkCodec: the codec's maxSize must be a positive integer, got ${codec.maxSize}`);
  }

  /** Round trips, `maxSize` on decode and encode, malformed datagrams, refused replies and typed errors. */
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
    const kase = new Case(value, null);
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
    const kase = new Case(datagram, null);
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
        throw new Case(input, null).fail('max-size-decode', outcome, error);
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
      throw new Case(this.options.oversize, null).fail('max-size-encode', outcome, error);
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
        throw new Case(datagram, null).fail('malformed-input', outcome, error);
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
        throw new Case(datagram, null).fail('typed-errors', `decode threw ${describeError(error)}, not a TorsionError`, error);
      }
    }
    this.checked.add('typed-errors');
  }
}
