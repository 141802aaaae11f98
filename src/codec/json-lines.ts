import type { Codec, Decoder, FrameSink, OutputChunks } from './codec';
import { DelimiterDecoder, type DelimiterRules } from './delimiter-decoder';
import { utf8Text } from './buffer-calls';
import type { FrameEmitter } from './frame-output';
import { booleanOption, checkKnownOptions, integerOption } from './options';
import { describe, FrameError, FrameTooLargeError, TorsionError } from '../errors';

/** Options of `jsonLines()`; every one has a default. */
export interface JsonLinesOptions {
  /** Maximum bytes of one JSON text, '\n' (and a '\r' before it) excluded. Default 1 MiB. */
  maxLength?: number;
  /** On a line over `maxLength`: true (default) fails the connection; false drops it and reports a `FrameTooLargeError`. */
  failFast?: boolean;
}

const KNOWN = ['maxLength', 'failFast'] as const;
const LF = Buffer.from('\n');
/** How much of a malformed line an error message quotes. */
const QUOTED = 60;

/**
 * Parses each line as JSON. A line that is not JSON is one bad frame, not a broken stream: it
 * becomes a `FrameError` (its cause the SyntaxError) in the frame's place, and decoding goes
 * on. Blank lines (whitespace only) are skipped, as JSON Lines readers usually do.
 */
class JsonLineEmitter implements FrameEmitter<unknown> {
  emit(buf: Buffer, start: number, end: number, sink: FrameSink<unknown>): void {
    if (start === end) return;
    const text = utf8Text(buf, start, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      // Checked only on failure: JSON.parse already accepts surrounding whitespace.
      if (text.trim() === '') return;
      const quoted = text.length > QUOTED ? `${text.slice(0, QUOTED)}...` : text;
      sink.frameError(new FrameError(`jsonLines: a line is not valid JSON (${describe(error)}): ${JSON.stringify(quoted)}`, { cause: error }));
      return;
    }
    sink.frame(value);
  }
}

const jsonLineEmitter = new JsonLineEmitter();

/**
 * Newline-delimited JSON (JSON Lines / NDJSON). Frames are parsed values (typed `T`, which is
 * not checked at runtime: validate what a peer sends). Replies are `JSON.stringify`-ed and
 * followed by '\n'; a value JSON cannot represent (undefined, a function, a BigInt, a cycle)
 * or one longer than `maxLength` bytes is refused (`TORSION_ERR_ENCODE` / `FrameTooLargeError`).
 */
export class JsonLinesCodec<T = unknown> implements Codec<T, unknown> {
  /** {@inheritDoc Codec.name} */
  readonly name = 'jsonLines';
  /** Maximum bytes of one JSON text, received or sent, line ending excluded (`JsonLinesOptions.maxLength`, default 1 MiB). */
  readonly maxLength: number;
  private readonly rules: DelimiterRules;

  constructor(options: JsonLinesOptions = {}) {
    checkKnownOptions('jsonLines', options, KNOWN);
    this.maxLength = integerOption('jsonLines', 'maxLength', options.maxLength, 1024 * 1024);
    this.rules = {
      delimiters: [LF],
      maxLength: this.maxLength,
      stripDelimiter: true,
      failFast: booleanOption('jsonLines', 'failFast', options.failFast, true),
      stripCR: true,
      detail: 'line length',
    };
  }

  /** {@inheritDoc Codec.createDecoder} */
  createDecoder(): Decoder<T> {
    return new DelimiterDecoder<T>('jsonLines', this.rules, jsonLineEmitter as FrameEmitter<T>);
  }

  /**
   * Appends `JSON.stringify(value)` and '\n'; throws `TORSION_ERR_ENCODE` when JSON cannot represent the value, `FrameTooLargeError` when its UTF-8 bytes exceed `maxLength`.
   */
  encode(value: unknown, out: OutputChunks): void {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new TorsionError('TORSION_ERR_ENCODE', `jsonLines: the reply cannot be serialized (${describe(error)}); reply with plain data (no BigInt, no cycles)`, { cause: error });
    }
    if (text === undefined) {
      throw new TorsionError('TORSION_ERR_ENCODE', `jsonLines: JSON has no representation for ${typeof value}; reply with null or plain data instead`);
    }
    // UTF-8 needs at most 3 bytes per UTF-16 unit: only measure texts that might be too long.
    if (text.length * 3 > this.maxLength) {
      const length = Buffer.byteLength(text, 'utf8');
      if (length > this.maxLength) throw new FrameTooLargeError(length, this.maxLength, 'line length');
    }
    out.push(text, '\n');
  }
}

/** JSON Lines; see `JsonLinesOptions` for the defaults (1 MiB, fail fast). */
export function jsonLines<T = unknown>(options?: JsonLinesOptions): JsonLinesCodec<T> {
  return new JsonLinesCodec<T>(options);
}
