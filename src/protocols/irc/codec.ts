import type { Codec, Decoder, FrameSink, OutputChunks } from '../../codec/codec';
import { DelimiterDecoder, type DelimiterRules } from '../../codec/delimiter-decoder';
import { utf8Text } from '../../codec/buffer-calls';
import type { FrameEmitter } from '../../codec/frame-output';
import { booleanOption, checkKnownOptions, integerOption } from '../../codec/options';
import { FrameError, FrameTooLargeError, TorsionError } from '../../errors';
import { formatIrcLine, parseIrcLine } from './line';
import type { IrcMessage } from './message';

/** Options of `ircLines()`; every one has a default. */
export interface IrcCodecOptions {
  /**
   * Longest line read or written, in bytes, CRLF included. Default 512 (RFC 1459); at least 16.
   * Received lines may end with a bare LF; either way the content may be `maxLineLength - 2` bytes.
   */
  maxLineLength?: number;
  /**
   * A received line over the limit: false (default, as ircds do) drops it up to its LF and
   * reports a `FrameTooLargeError` to `@OnError`-or-filters in its place, the connection goes on;
   * true fails the connection.
   */
  failFast?: boolean;
}

const KNOWN = ['maxLineLength', 'failFast'] as const;
const LF = Buffer.from('\n');

/** Parses each line's bytes (UTF-8) into an `IrcMessage`; an empty line is skipped, as RFC 1459 says. */
class IrcEmitter implements FrameEmitter<IrcMessage> {
  emit(buf: Buffer, start: number, end: number, sink: FrameSink<IrcMessage>): void {
    if (end === start) return;
    let message: IrcMessage;
    try {
      message = parseIrcLine(utf8Text(buf, start, end));
    } catch (error) {
      sink.frameError(error instanceof FrameError ? error : new FrameError('malformed IRC line', { cause: error }));
      return;
    }
    sink.frame(message);
  }
}

const emitter = new IrcEmitter();

/**
 * The IRC line codec: frames are `IrcMessage`s, replies are `IrcMessage`s (or arrays of them,
 * written in order), each written as one CRLF-terminated line.
 *
 * Input: lines end with CRLF or a bare LF; a NUL or a stray CR inside a line, or a line
 * without a command, is a `FrameError` for that line (the connection goes on); an overlong
 * line, a `FrameTooLargeError` (see `failFast`).
 *
 * Output: a message that cannot be one line (CR, LF or NUL in a parameter, a space in a middle
 * parameter, ...) is refused with an `IrcMessageError` and nothing is written; a line over
 * `maxLineLength` with a `FrameTooLargeError`. Relayed text is never injected as a line of its own.
 */
export class IrcCodec implements Codec<IrcMessage, IrcMessage | readonly IrcMessage[]> {
  /** {@inheritDoc torsion!Codec.name} */
  readonly name = 'irc';
  /** Longest line, CRLF included (`IrcCodecOptions.maxLineLength`). */
  readonly maxLineLength: number;
  private readonly rules: DelimiterRules;

  constructor(options: IrcCodecOptions = {}) {
    checkKnownOptions('irc', options, KNOWN);
    this.maxLineLength = integerOption('irc', 'maxLineLength', options.maxLineLength, 512, 16);
    this.rules = {
      delimiters: [LF],
      maxLength: this.maxLineLength - 2,
      stripDelimiter: true,
      failFast: booleanOption('irc', 'failFast', options.failFast, false),
      stripCR: true,
      detail: 'IRC line length',
    };
  }

  /** {@inheritDoc torsion!Codec.createDecoder} */
  createDecoder(): Decoder<IrcMessage> {
    return new DelimiterDecoder<IrcMessage>('irc', this.rules, emitter);
  }

  /** Appends each message as a CRLF line; throws `IrcMessageError` or `FrameTooLargeError` before appending anything. */
  encode(value: IrcMessage | readonly IrcMessage[], out: OutputChunks): void {
    if (Array.isArray(value)) {
      const lines = (value as readonly IrcMessage[]).map((m) => this.line(m));
      for (const line of lines) out.push(line);
      return;
    }
    out.push(this.line(value as IrcMessage));
  }

  /** The wire form of one message, CRLF included, checked against the limit. */
  line(message: IrcMessage): string {
    if (message === null || typeof message !== 'object') {
      throw new TorsionError('TORSION_ERR_ENCODE', `the irc codec writes IrcMessage values, got ${message === null ? 'null' : typeof message}`);
    }
    const line = `${formatIrcLine(message)}\r\n`;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a line that might be too long is measured.
    if (line.length * 3 > this.maxLineLength) {
      const bytes = Buffer.byteLength(line);
      if (bytes > this.maxLineLength) throw new FrameTooLargeError(bytes, this.maxLineLength, 'IRC line length');
    }
    return line;
  }

  /** The line for `message` as bytes: encode once, write to many (a channel's members). */
  bytes(message: IrcMessage): Buffer {
    return Buffer.from(this.line(message));
  }
}

/** The IRC line codec: 512-byte lines including CRLF, bare LF accepted; see `IrcCodec`. */
export function ircLines(options?: IrcCodecOptions): IrcCodec {
  return new IrcCodec(options);
}

