import type { Codec, Decoder, OutputChunks } from './codec';
import { DelimiterDecoder, type DelimiterRules } from './delimiter-decoder';
import { DelimiterEncoder } from './delimiter-encoder';
import { emitterFor, type FrameEmitter, type FrameOutput } from './frame-output';
import { booleanOption, checkKnownOptions, choiceOption, delimiterBytes, encodingOption, integerOption } from './options';
import { OptionError } from '../errors';

/** Options of `delimited()`: `delimiters` is required, the rest have defaults. */
export interface DelimitedOptions {
  /** One or more delimiters (strings are UTF-8); the one giving the shortest frame wins. */
  delimiters: ReadonlyArray<string | Uint8Array>;
  /** Maximum bytes of a frame, delimiter excluded. Default 64 KiB. */
  maxLength?: number;
  /** Deliver frames without their delimiter. Default true. */
  stripDelimiter?: boolean;
  /** On overflow: true (default) fails the connection; false drops the frame, reports a `FrameTooLargeError` to `@OnError`, and goes on. */
  failFast?: boolean;
  /** 'buffer' (default): frames are Buffers; 'string': decoded with `encoding`. */
  output?: FrameOutput;
  /** Text encoding for string frames and string replies. Default 'utf8'. */
  encoding?: BufferEncoding;
}

const KNOWN = ['delimiters', 'maxLength', 'stripDelimiter', 'failFast', 'output', 'encoding'] as const;

/**
 * Frames ended by any of several delimiters (Netty's DelimiterBasedFrameDecoder).
 * Replies are written followed by the first delimiter; a reply containing a delimiter is
 * written as it is, so the peer reads several frames (as Twisted's `sendLine` does). Anything
 * but a string or bytes is refused (`TORSION_ERR_ENCODE`); `maxLength` limits received frames only.
 */
export class DelimitedCodec<F extends Buffer | string = Buffer> implements Codec<F, string | Uint8Array> {
  /** {@inheritDoc Codec.name} */
  readonly name = 'delimited';
  /** Maximum bytes of a received frame, delimiter excluded (`DelimitedOptions.maxLength`, default 64 KiB). */
  readonly maxLength: number;
  /** The delimiters as bytes, in the order given; replies are written followed by the first. */
  readonly delimiters: readonly Buffer[];
  private readonly rules: DelimiterRules;
  private readonly emitter: FrameEmitter<F>;
  private readonly encoder: DelimiterEncoder;

  constructor(options: DelimitedOptions) {
    checkKnownOptions('delimited', options, KNOWN);
    if (options === undefined || !Array.isArray(options.delimiters) || options.delimiters.length === 0) {
      throw new OptionError(`delimited: delimiters must be a non-empty array of strings or Buffers; pass e.g. { delimiters: ['\\r\\n', '\\n'] }, or use lines()`);
    }
    this.delimiters = options.delimiters.map((d, i) => delimiterBytes('delimited', `delimiters[${i}]`, d));
    this.maxLength = integerOption('delimited', 'maxLength', options.maxLength, 64 * 1024);
    const encoding = encodingOption('delimited', options.encoding, 'utf8');
    this.rules = {
      delimiters: this.delimiters,
      maxLength: this.maxLength,
      stripDelimiter: booleanOption('delimited', 'stripDelimiter', options.stripDelimiter, true),
      failFast: booleanOption('delimited', 'failFast', options.failFast, true),
      stripCR: false,
      detail: 'frame length',
    };
    const output = choiceOption<FrameOutput>('delimited', 'output', options.output, 'buffer', ['buffer', 'string']);
    this.emitter = emitterFor(output, encoding) as FrameEmitter<F>;
    this.encoder = new DelimiterEncoder('delimited', this.delimiters, encoding);
  }

  /** {@inheritDoc Codec.createDecoder} */
  createDecoder(): Decoder<F> {
    return new DelimiterDecoder<F>('delimited', this.rules, this.emitter);
  }

  /** Appends `value` then the first delimiter; throws `TORSION_ERR_ENCODE` for anything but a string or bytes. */
  encode(value: string | Uint8Array, out: OutputChunks): void {
    this.encoder.encode(value, out);
  }
}

/** Frames ended by any of `delimiters`; see `DelimitedOptions` for the defaults. */
export function delimited(options: DelimitedOptions & { output: 'string' }): DelimitedCodec<string>;
/** Frames as Buffers (the default). */
export function delimited(options: DelimitedOptions & { output?: 'buffer' }): DelimitedCodec<Buffer>;
/** Frames as Buffers or strings, when `output` is not known statically. */
export function delimited(options: DelimitedOptions): DelimitedCodec<Buffer> | DelimitedCodec<string>;
export function delimited(options: DelimitedOptions): DelimitedCodec<Buffer> | DelimitedCodec<string> {
  return new DelimitedCodec(options);
}
