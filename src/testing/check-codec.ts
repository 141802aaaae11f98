import type { Codec } from '../codec/codec';
import { isDatagramCodec, type DatagramCodec } from '../codec/datagram';
import { TorsionError } from '../errors';
import { DatagramChecker } from './check-codec-datagram';
import type { CheckSplit, CodecCheckReport, CodecProperty, DatagramCodecCheckOptions, StreamCodecCheckOptions } from './check-codec-options';
import { FramedChecker, UnframedChecker } from './check-codec-stream';
import { show, showSplit, Violation } from './check-codec-support';

/**
 * `checkCodec`: the codec conformance suite, shipped so that the authors of custom codecs run
 * what the built-in codecs run (hono's one shared test file per interface, Twisted's habit of
 * replaying input at every chunk size). It needs no test runner: it returns a report, or
 * throws a `CodecConformanceError` naming the property that failed, the input and the split.
 *
 * Randomness (which samples, how the stream is cut, what garbage is fed) comes from a seeded
 * generator, so a failure is reproduced by the same options and seed.
 */

export type { CodecProperty, CheckBytes, CheckSplit, SampleOptions, FramedCodecCheckOptions, UnframedCodecCheckOptions, StreamCodecCheckOptions, DatagramCodecCheckOptions, CodecCheckReport } from './check-codec-options';

/**
 * A codec broke its contract. `property` names what failed, `input` is what broke it (the bytes
 * fed, or the value encoded) and `split` the chunk sizes it was fed in (null when not fed).
 * Code `TORSION_ERR_CODEC_CONFORMANCE`.
 */
export class CodecConformanceError extends TorsionError {
  constructor(
    /** The codec's `name`. */
    readonly codec: string,
    /** The property that failed. */
    readonly property: CodecProperty,
    /** What went wrong, in words. */
    readonly detail: string,
    /** What broke it: the bytes fed, or the value (or values) encoded. */
    readonly input: unknown,
    /** The chunk sizes `input` was fed in, in order; null when nothing was fed (an encode case). */
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
  try {
    if (isDatagramCodec(codec)) return new DatagramChecker(codec, options as DatagramCodecCheckOptions<unknown>).run();
    const stream = options as StreamCodecCheckOptions<unknown>;
    if (stream.unframed === true) return new UnframedChecker(codec, stream).run();
    return new FramedChecker(codec, stream).run();
  } catch (error) {
    if (!(error instanceof Violation)) throw error;
    const cause = error.failure === undefined ? undefined : { cause: error.failure };
    throw new CodecConformanceError(codec.name, error.property, error.detail, error.input, error.split, cause);
  }
}
