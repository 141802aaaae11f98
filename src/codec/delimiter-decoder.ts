import type { FrameSink } from './codec';
import type { FrameEmitter } from './frame-output';
import { FrameDecoder, REUSABLE } from './frame-decoder';
import { FrameTooLargeError } from '../errors';
import { indexOfByte } from './buffer-calls';

const CR = 0x0d;
/** `indexOf` result meaning "a delimiter was found, but a better one may still complete". */
const AMBIGUOUS = -2;

/** The framing rules shared by `lines`, `delimited` and `jsonLines`. */
export interface DelimiterRules {
  /** Non-empty byte sequences; when several match, the one giving the shortest frame wins. */
  readonly delimiters: readonly Buffer[];
  /** Bytes of a frame, delimiter excluded. */
  readonly maxLength: number;
  /** Deliver frames without their delimiter. */
  readonly stripDelimiter: boolean;
  /** Throw on overflow (fatal), or discard up to the next delimiter and report a frameError. */
  readonly failFast: boolean;
  /** With the single delimiter '\n': a '\r' before it is not part of the line. */
  readonly stripCR: boolean;
  /** Names the length in errors: 'line length', 'frame length'. */
  readonly detail: string;
}

/** What every decoder of one codec shares, derived once (a connection's decoder holds one reference). */
interface DelimiterPlan<F> {
  readonly rules: DelimiterRules;
  readonly emitter: FrameEmitter<F>;
  readonly longest: number;
  /** The delimiter when it is a single byte ('\n'): searching for a number is several times faster. */
  readonly byte: number;
}

const plans = new WeakMap<DelimiterRules, WeakMap<object, DelimiterPlan<unknown>>>();

function planFor<F>(rules: DelimiterRules, emitter: FrameEmitter<F>): DelimiterPlan<F> {
  let byEmitter = plans.get(rules);
  if (byEmitter === undefined) plans.set(rules, (byEmitter = new WeakMap()));
  let plan = byEmitter.get(emitter) as DelimiterPlan<F> | undefined;
  if (plan === undefined) {
    const longest = Math.max(...rules.delimiters.map((d) => d.length));
    const byte = rules.delimiters.length === 1 && longest === 1 ? rules.delimiters[0][0] : -1;
    plan = { rules, emitter, longest, byte };
    byEmitter.set(emitter, plan as DelimiterPlan<unknown>);
  }
  return plan;
}

/**
 * Frames ended by a delimiter (Netty's DelimiterBasedFrameDecoder / LineBasedFrameDecoder).
 *
 * Search: one `indexOf` per delimiter, resumed where the previous call stopped (`scanned`), so
 * a long line arriving byte by byte is scanned once. With several delimiters, the earliest
 * match wins and, at the same position, the longest; a match is only taken once no other
 * delimiter could still complete at or before it, so the frames do not depend on how the
 * stream was cut into chunks.
 *
 * Overflow: the frame length is checked as soon as it is certain to exceed `maxLength` (the
 * bytes that may still turn out to be a delimiter, or the '\r' of a CRLF, are not counted),
 * so at most `maxLength` + delimiter + one chunk is ever retained. Under `failFast: false` the
 * decoder drops bytes as they arrive (retaining only a possible delimiter prefix) until the
 * next delimiter, then reports one `FrameTooLargeError` with the whole discarded length.
 */
export class DelimiterDecoder<F> extends FrameDecoder<F> {
  /** Bytes after the frame start already known to hold no delimiter start. */
  private scanned = 0;
  /** Bytes of the oversized frame dropped so far; above 0 exactly while discarding. */
  private discarded = 0;
  /** Length of the delimiter matched by the last `find`. */
  private matchLength = 0;
  private readonly plan: DelimiterPlan<F>;

  constructor(codecName: string, rules: DelimiterRules, emitter: FrameEmitter<F>) {
    const plan = planFor(rules, emitter);
    super(codecName, rules.maxLength + plan.longest + (rules.stripCR ? 1 : 0));
    this.plan = plan;
  }

  /** @internal Nothing held: no tail, no failure, not discarding (`scanned` is 0 without a tail). */
  override get [REUSABLE](): boolean {
    return this.holdsNoTail && this.discarded === 0 && this.scanned === 0;
  }

  /**
   * The hot path of line protocols: a single-byte delimiter, no partial frame pending. Frames
   * are emitted straight from one indexOf to the next while they are within `maxLength`;
   * anything else (no delimiter left, an overlong frame, discarding) is left to `decodeFrame`.
   */
  protected override decodeRun(buf: Buffer, start: number, sink: FrameSink<F>): number {
    const { byte, emitter, rules } = this.plan;
    if (byte < 0 || this.scanned !== 0 || this.discarded > 0) return start;
    const max = rules.maxLength;
    // Compared with true, the loop tests a boolean: the field's value is untyped to the
    // compiler, and its truthiness test (false? ''? a number?) cost ~30 instructions a line.
    const stripCR = rules.stripCR === true;
    const strip = rules.stripDelimiter === true;
    let pos = start;
    for (;;) {
      const index = indexOfByte(buf, byte, pos);
      if (index === -1) return pos;
      const frameEnd = stripCR && index > pos && buf[index - 1] === CR ? index - 1 : index;
      if (frameEnd - pos > max) return pos;
      emitter.emit(buf, pos, strip ? frameEnd : index + 1, sink);
      pos = index + 1;
    }
  }

  protected decodeFrame(buf: Buffer, start: number, sink: FrameSink<F>): number {
    const rules = this.plan.rules;
    const index = this.find(buf, start);
    if (index === AMBIGUOUS) return 0;
    if (index === -1) return this.noDelimiter(buf, start);

    this.scanned = 0;
    const frameEnd = rules.stripCR && index > start && buf[index - 1] === CR ? index - 1 : index;
    const consumed = index + this.matchLength - start;
    if (this.discarded > 0) {
      const length = this.discarded + (frameEnd - start);
      this.discarded = 0;
      sink.frameError(new FrameTooLargeError(length, rules.maxLength, rules.detail));
      return consumed;
    }
    if (frameEnd - start > rules.maxLength) {
      const error = new FrameTooLargeError(frameEnd - start, rules.maxLength, rules.detail);
      if (rules.failFast) throw error;
      sink.frameError(error);
      return consumed;
    }
    this.plan.emitter.emit(buf, start, rules.stripDelimiter ? frameEnd : index + this.matchLength, sink);
    return consumed;
  }

  /** No delimiter in sight: wait, or enforce the limit on what is certain to be frame bytes. */
  private noDelimiter(buf: Buffer, start: number): number {
    const available = buf.length - start;
    const keep = this.undecidedSuffix(buf, start);
    if (this.discarded > 0) {
      this.scanned = 0;
      this.discarded += available - keep;
      return available - keep;
    }
    const atLeast = available - keep;
    const rules = this.plan.rules;
    if (atLeast > rules.maxLength) {
      if (rules.failFast) throw new FrameTooLargeError(atLeast, rules.maxLength, rules.detail);
      this.scanned = 0;
      this.discarded = atLeast;
      return atLeast;
    }
    this.scanned = Math.max(0, available - (this.plan.longest - 1));
    return 0;
  }

  /** Index of the winning delimiter (setting `matchLength`), -1 for none, or AMBIGUOUS. */
  private find(buf: Buffer, start: number): number {
    const delimiters = this.plan.rules.delimiters;
    const from = start + this.scanned;
    if (delimiters.length === 1) {
      this.matchLength = delimiters[0].length;
      return this.plan.byte >= 0 ? buf.indexOf(this.plan.byte, from) : buf.indexOf(delimiters[0], from);
    }
    let best = -1;
    let bestLength = 0;
    for (const delimiter of delimiters) {
      const i = buf.indexOf(delimiter, from);
      if (i !== -1 && (best === -1 || i < best || (i === best && delimiter.length > bestLength))) {
        best = i;
        bestLength = delimiter.length;
      }
    }
    this.matchLength = bestLength;
    if (best !== -1 && this.couldStillWin(buf, start, best, bestLength)) return AMBIGUOUS;
    return best;
  }

  /** Whether a delimiter cut off by the end of the bytes could start before (or, longer, at) `best`. */
  private couldStillWin(buf: Buffer, start: number, best: number, bestLength: number): boolean {
    const end = buf.length;
    for (const delimiter of this.plan.rules.delimiters) {
      const last = Math.min(best, end - 1);
      for (let j = Math.max(start, end - delimiter.length + 1); j <= last; j++) {
        if (j === best && delimiter.length <= bestLength) continue;
        if (buf.compare(delimiter, 0, end - j, j, end) === 0) return true;
      }
    }
    return false;
  }

  /** Trailing bytes that may yet be excluded from the frame: a delimiter prefix, or a '\r'. */
  private undecidedSuffix(buf: Buffer, start: number): number {
    const end = buf.length;
    const available = end - start;
    let keep = this.plan.rules.stripCR && available > 0 && buf[end - 1] === CR ? 1 : 0;
    for (const delimiter of this.plan.rules.delimiters) {
      for (let k = Math.min(delimiter.length - 1, available); k > keep; k--) {
        if (buf.compare(delimiter, 0, k, end - k, end) === 0) {
          keep = k;
          break;
        }
      }
    }
    return keep;
  }
}
