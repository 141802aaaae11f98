import type { FrameSink } from '../../codec/codec';
import { FrameDecoder } from '../../codec/frame-decoder';
import { parseCommand, tagOf } from './command-parser';
import { ImapSyntaxError, ImapTooLargeError } from './errors';
import { literalMarker } from './grammar';
import type { ImapRequest } from './types';

const LF = 0x0a;
const CR = 0x0d;

const enum Mode {
  /** Reading a line of the current command (or the first line of the next one). */
  Line,
  /** Reading the `remaining` bytes of a literal. */
  Literal,
  /** Dropping the `remaining` bytes of a refused non-synchronizing literal. */
  Skip,
  /** Dropping bytes up to the end of an overlong line. */
  DiscardLine,
}

/** The limits of the command decoder. */
export interface ImapDecoderLimits {
  /** Bytes of command text per command, literals excluded. */
  readonly maxLength: number;
  /** Bytes of literals per command. */
  readonly maxLiteralSize: number;
}

/**
 * Frames IMAP commands: reads lines, and after a line ending in a literal marker (`{n}`,
 * `{n+}`) that many bytes, until a line without one ends the command, which is then parsed
 * whole. A synchronizing literal is announced by an `ImapLiteralRequest` frame as soon as its
 * marker is read (the protocol answers `+`); its size is checked against `maxLiteralSize`
 * before any of its bytes is buffered, and a refused one is reported as an `ImapTooLargeError`
 * carrying the tag (a refused `{n+}` literal, which the client sends anyway, is skipped
 * without buffering, with the rest of its command). An overlong line is refused the same way
 * once it passes `maxLength`, and dropped up to its line end. A `DONE` line is its own frame.
 *
 * The parts of an unfinished command are views of what was read, counted in `bufferedBytes`
 * with their line ends, so `bufferedBytes` is the bytes read since the last frame.
 */
export class ImapCommandDecoder extends FrameDecoder<ImapRequest> {
  private mode = Mode.Line;
  private remaining = 0;
  private lines: Buffer[] = [];
  private literals: Buffer[] = [];
  /** Wire bytes of the unfinished command already consumed (lines with their ends, literals). */
  private held = 0;
  private lineBytes = 0;
  private literalBytes = 0;
  /** Dropping the rest of a command whose literal was refused: its lines are read, not kept. */
  private discarding = false;
  private tag: string | undefined;
  /** How far the current line was already searched for its LF (relative to `start`). */
  private scanned = 0;

  constructor(private readonly limits: ImapDecoderLimits) {
    super('imap', limits.maxLength + limits.maxLiteralSize + 2);
  }

  /** {@inheritDoc Decoder.bufferedBytes} */
  override get bufferedBytes(): number {
    return super.bufferedBytes + this.held;
  }

  protected decodeFrame(buf: Buffer, start: number, sink: FrameSink<ImapRequest>): number {
    switch (this.mode) {
      case Mode.Literal:
        return this.literal(buf, start);
      case Mode.Skip: {
        const skipped = Math.min(this.remaining, buf.length - start);
        this.remaining -= skipped;
        if (this.remaining === 0) this.mode = Mode.Line;
        return skipped;
      }
      case Mode.DiscardLine: {
        const lf = buf.indexOf(LF, start);
        if (lf === -1) return buf.length - start;
        this.mode = Mode.Line;
        return lf + 1 - start;
      }
      default:
        return this.line(buf, start, sink);
    }
  }

  private line(buf: Buffer, start: number, sink: FrameSink<ImapRequest>): number {
    const lf = buf.indexOf(LF, start + this.scanned);
    if (lf === -1) {
      const pending = buf.length - start;
      // One more byte for the CR of a CRLF.
      if (this.lineBytes + pending > this.limits.maxLength + 1) {
        const tag = this.lines.length > 0 ? this.tag : tagOf(buf.subarray(start, buf.length));
        this.reset();
        this.mode = Mode.DiscardLine;
        sink.frameError(new ImapTooLargeError(tag, this.limits.maxLength + 1, this.limits.maxLength, 'command line length'));
        return pending;
      }
      this.scanned = pending;
      return 0;
    }
    this.scanned = 0;
    const consumed = lf + 1 - start;
    const line = buf.subarray(start, lf > start && buf[lf - 1] === CR ? lf - 1 : lf);
    const first = this.lines.length === 0 && !this.discarding;
    if (first) {
      if (line.length === 0) return consumed; // a stray empty line is no command: skipped
      if (line.length === 4 && line.toString('latin1').toUpperCase() === 'DONE') {
        sink.frame({ kind: 'done' });
        return consumed;
      }
      this.tag = tagOf(line);
    }
    if (this.lineBytes + line.length > this.limits.maxLength) {
      const tag = this.tag;
      this.reset();
      // The length reported is the first byte past the limit, as when the line end has not come yet.
      sink.frameError(new ImapTooLargeError(tag, this.limits.maxLength + 1, this.limits.maxLength, 'command line length'));
      return consumed;
    }
    const marker = literalMarker(line);
    if (this.discarding) {
      if (marker !== null && !marker.sync) {
        this.mode = Mode.Skip;
        this.remaining = marker.size;
      } else {
        this.discarding = false;
      }
      return consumed;
    }
    this.lineBytes += line.length;
    this.held += consumed;
    this.lines.push(line);
    if (marker === null) {
      const { lines, literals, tag } = this;
      this.reset();
      let command;
      try {
        command = parseCommand(lines, literals);
      } catch (error) {
        sink.frameError(error instanceof ImapSyntaxError ? error : new ImapSyntaxError(tag, String(error)));
        return consumed;
      }
      sink.frame(command);
      return consumed;
    }
    if (marker.size > this.limits.maxLiteralSize - this.literalBytes) {
      const tag = this.tag;
      const size = this.literalBytes + marker.size;
      this.reset();
      if (!marker.sync) {
        // LITERAL+: the bytes come anyway; drop them, and the rest of the command, unread.
        this.discarding = true;
        this.mode = Mode.Skip;
        this.remaining = marker.size;
        if (marker.size === 0) this.mode = Mode.Line;
      }
      sink.frameError(new ImapTooLargeError(tag, size, this.limits.maxLiteralSize, 'literal size'));
      return consumed;
    }
    this.literalBytes += marker.size;
    if (marker.size === 0) {
      this.literals.push(Buffer.alloc(0));
    } else {
      this.mode = Mode.Literal;
      this.remaining = marker.size;
    }
    if (marker.sync) sink.frame({ kind: 'literal', tag: this.tag ?? '*', size: marker.size });
    return consumed;
  }

  private literal(buf: Buffer, start: number): number {
    if (buf.length - start < this.remaining) return 0;
    const size = this.remaining;
    this.literals.push(buf.subarray(start, start + size));
    this.held += size;
    this.mode = Mode.Line;
    this.remaining = 0;
    return size;
  }

  private reset(): void {
    this.lines = [];
    this.literals = [];
    this.held = 0;
    this.lineBytes = 0;
    this.literalBytes = 0;
    this.tag = undefined;
    this.scanned = 0;
  }
}
