import type { Codec, Decoder, OutputChunks } from './codec';
import { DelimiterDecoder, type DelimiterRules } from './delimiter-decoder';
import { DelimiterEncoder } from './delimiter-encoder';
import { emitterFor, type FrameEmitter, type FrameOutput } from './frame-output';
import { booleanOption, checkKnownOptions, choiceOption, delimiterBytes, encodingOption, integerOption } from './options';

/** Options of `lines()`; every one has a default. */
export interface LinesOptions {
  /** Maximum bytes of a line, delimiter (and the '\r' of a CRLF) excluded. Default 64 KiB. */
  maxLength?: number;
  /**
   * The line terminator. Default '\n', which also accepts '\r\n' (the '\r' is stripped, as
   * Netty's LineBasedFrameDecoder does); any other value is matched exactly.
   */
  delimiter?: string | Uint8Array;
  /** 'string' (default): lines are decoded with `encoding`; 'buffer': lines are Buffers. */
  output?: FrameOutput;
  /** Text encoding for string lines and string replies. Default 'utf8'. */
  encoding?: BufferEncoding;
  /**
   * On a line over `maxLength`: true (default) fails the connection as soon as the line is
   * known to be too long; false drops it up to the next delimiter (retaining nothing while
   * dropping), reports a `FrameTooLargeError` to `@OnError` in its place, and goes on.
   */
  failFast?: boolean;
}

const KNOWN = ['maxLength', 'delimiter', 'output', 'encoding', 'failFast'] as const;
const LF = Buffer.from('\n');

/**
 * Text lines (Twisted's LineReceiver, Netty's LineBasedFrameDecoder).
 *
 * Replies: a string or Buffer is written followed by the delimiter (so `'\n'` by default; end a
 * reply with '\r' to send CRLF). A reply that contains the delimiter is written as it is, so
 * the peer reads several lines, as with Twisted's `sendLine` (a multi-line reply in one go;
 * sanitise relayed input where that matters). Anything but a string or bytes is refused
 * (`TORSION_ERR_ENCODE`); `maxLength` limits received lines only.
 */
export class LinesCodec<F extends string | Buffer = string> implements Codec<F, string | Uint8Array> {
  /** {@inheritDoc Codec.name} */
  readonly name = 'lines';
  /** Maximum bytes of a received line, line ending excluded (`LinesOptions.maxLength`, default 64 KiB). */
  readonly maxLength: number;
  /** The line terminator as bytes ('\n' unless `LinesOptions.delimiter` says otherwise); replies end with it. */
  readonly delimiter: Buffer;
  private readonly rules: DelimiterRules;
  private readonly emitter: FrameEmitter<F>;
  private readonly encoder: DelimiterEncoder;

  constructor(options: LinesOptions = {}) {
    checkKnownOptions('lines', options, KNOWN);
    this.maxLength = integerOption('lines', 'maxLength', options.maxLength, 64 * 1024);
    this.delimiter = options.delimiter === undefined ? LF : delimiterBytes('lines', 'delimiter', options.delimiter);
    const encoding = encodingOption('lines', options.encoding, 'utf8');
    this.rules = {
      delimiters: [this.delimiter],
      maxLength: this.maxLength,
      stripDelimiter: true,
      failFast: booleanOption('lines', 'failFast', options.failFast, true),
      stripCR: this.delimiter.equals(LF),
      detail: 'line length',
    };
    const output = choiceOption<FrameOutput>('lines', 'output', options.output, 'string', ['string', 'buffer']);
    this.emitter = emitterFor(output, encoding) as FrameEmitter<F>;
    this.encoder = new DelimiterEncoder('lines', [this.delimiter], encoding);
  }

  /** {@inheritDoc Codec.createDecoder} */
  createDecoder(): Decoder<F> {
    return new DelimiterDecoder<F>('lines', this.rules, this.emitter);
  }

  /** Appends `value` then the delimiter; throws `TORSION_ERR_ENCODE` for anything but a string or bytes. */
  encode(value: string | Uint8Array, out: OutputChunks): void {
    this.encoder.encode(value, out);
  }
}

/** Lines of text; see `LinesOptions` for the defaults (64 KiB, '\n' or '\r\n', strings, fail fast). */
export function lines(options?: LinesOptions & { output?: 'string' }): LinesCodec<string>;
/** Lines as Buffers. */
export function lines(options: LinesOptions & { output: 'buffer' }): LinesCodec<Buffer>;
/** Lines as strings or Buffers, when `output` is not known statically. */
export function lines(options?: LinesOptions): LinesCodec<string> | LinesCodec<Buffer>;
export function lines(options?: LinesOptions): LinesCodec<string> | LinesCodec<Buffer> {
  return new LinesCodec(options);
}
