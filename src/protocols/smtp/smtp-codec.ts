import type { Codec, Decoder, FrameSink, OutputChunks } from '../../codec/codec';
import { FrameTooLargeError, ProtocolError, TorsionError } from '../../errors';
import { firstWord } from '../../codec/words';

/**
 * The SMTP codec: one decoder per connection that knows the one thing about SMTP a line codec
 * cannot, where the message begins and ends. Command lines are read as lines; after a `DATA`
 * line it reads nothing until the session gives its verdict (`SmtpInput.acceptData()` after
 * its 354, or `rejectData()`), then, in data mode, emits the message as it arrives: body
 * chunks (views of the received bytes, dot-unstuffed) and a `DataEnd` at `CRLF.CRLF`, wherever
 * the reads cut the terminator. After it, command lines again.
 *
 * Why a codec of its own rather than switching `lines()` to `raw()` mid-connection: torsion's
 * decoders run ahead of the handlers (a read with several pipelined commands is decoded at
 * once, while an async `RCPT` check may still be running), so whether the bytes after `DATA`
 * are a message or commands is only known once the session has answered `DATA`. The decoder
 * therefore stops at `DATA`, and bytes that arrive before the verdict are an SMTP
 * synchronization error (RFC 2920 section 3.1: `DATA` ends a pipelined group and the client
 * waits for its reply): the connection fails with a `SmtpSynchronizationError` (Exim answers
 * the same way), instead of guessing.
 */

/** Where a route for a frame that is no command line goes (the words of a line never contain a space). */
export const DATA_BODY_ROUTE = 'DATA BODY';
/** The route of `DataEnd`. */
export const DATA_END_ROUTE = 'DATA END';
/** The route of a line read while a SASL exchange waits for the client's response. */
export const SASL_RESPONSE_ROUTE = 'AUTH RESPONSE';

/**
 * A connection's SMTP input, as the session steers it (implemented by the decoder; every
 * command line carries it). One object per connection.
 */
export interface SmtpInput {
  /** 'command': reading command lines; 'data-pending': stopped after `DATA`; 'data': reading the message. */
  readonly mode: 'command' | 'data-pending' | 'data';
  /** After the `DATA` line this decoder stopped at: read the message that follows (the session said 354). */
  acceptData(): void;
  /** After the `DATA` line this decoder stopped at: go on reading commands (the session refused DATA). */
  rejectData(): void;
  /**
   * True while a SASL exchange waits for the client's next line (after a 334): the router sends
   * that line to the `AUTH RESPONSE` route, whatever its first word.
   */
  saslResponseExpected: boolean;
}

/** One command line (its line ending removed), with the connection's input it came from. */
export class SmtpLine {
  constructor(
    /** The line as received, decoded as latin1 (one character per byte). */
    readonly text: string,
    /** The connection's input (to answer `DATA`, to expect a SASL response). */
    readonly input: SmtpInput,
    /** True when the decoder took this line as `DATA` and stopped, awaiting the session's verdict. */
    readonly opensData: boolean,
  ) {}
}

/** The end of a message (`CRLF.CRLF` read); the body chunks before it were the message. */
export class DataEnd {
  constructor(
    /** CRs not followed by LF and LFs not preceded by CR in the message (RFC 5321 section 2.3.8 forbids them). */
    readonly bareLineEnds: number,
  ) {}
}

/** What the SMTP decoder emits: command lines, body chunks (Buffer views), the end of a message. */
export type SmtpFrame = SmtpLine | Buffer | DataEnd;

/** The codec's failure for bytes received after `DATA` before it was answered. */
export class SmtpSynchronizationError extends ProtocolError {
  /** @param bytes - How many bytes came after the `DATA` line, before its reply (counted in the read that held them). */
  constructor(readonly bytes: number) {
    super(`SMTP synchronization error: ${bytes} bytes arrived after DATA before its reply (RFC 2920: DATA ends a pipelined group; wait for the 354)`);
  }
}

/** Options of `smtpCodec()`. */
export interface SmtpCodecOptions {
  /**
   * Longest command line in bytes, line ending excluded. Default 12286: RFC 4954's 12288-octet
   * command line (for SASL responses) minus CRLF. A longer line is dropped as it arrives and
   * reported as a `FrameTooLargeError` in its place (a `500` reply); the connection goes on.
   */
  maxCommandLength?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CR_BYTE = Buffer.from([CR]);
const CRLF = '\r\n';

const enum Mode {
  Command,
  DataPending,
  Data,
}

const enum Body {
  /** At the start of a message line: a dot here is stuffing or the terminator. */
  LineStart,
  InLine,
  /** A dot at the start of a line was read (and dropped). */
  Dot,
  /** `.` then CR at the start of a line: LF next ends the message. */
  DotCr,
}

/**
 * The SMTP codec (see the file comment). Replies are strings (one line) or arrays of strings
 * (a multi-line reply, each line already carrying its `250-`/`250 ` prefix); each line is
 * written with CRLF.
 */
export class SmtpCodec implements Codec<SmtpFrame, string | readonly string[]> {
  /** {@inheritDoc torsion!Codec.name} */
  readonly name = 'smtp';
  /** The longest command line accepted, line ending excluded. */
  readonly maxCommandLength: number;

  constructor(options: SmtpCodecOptions = {}) {
    const max = options.maxCommandLength ?? 12_286;
    if (!Number.isInteger(max) || max < 510) {
      throw new TorsionError('TORSION_ERR_INVALID_OPTION', `smtp: maxCommandLength must be an integer >= 510 (RFC 5321's 512-octet command line), got ${String(max)}`);
    }
    this.maxCommandLength = max;
  }

  /** {@inheritDoc torsion!Codec.createDecoder} */
  createDecoder(): Decoder<SmtpFrame> & SmtpInput {
    return new SmtpDecoder(this.maxCommandLength);
  }

  /** Appends each line of the reply with CRLF; anything but a string or an array of strings is refused. */
  encode(value: string | readonly string[], out: OutputChunks): void {
    if (typeof value === 'string') {
      out.push(value + CRLF);
      return;
    }
    if (!Array.isArray(value) || value.some((line) => typeof line !== 'string')) {
      throw new TorsionError('TORSION_ERR_ENCODE', 'smtp: a reply is a string or an array of strings');
    }
    out.push(value.join(CRLF) + CRLF);
  }
}

/** The SMTP codec: command lines, and the message after an accepted `DATA`. */
export function smtpCodec(options?: SmtpCodecOptions): SmtpCodec {
  return new SmtpCodec(options);
}

/** One connection's SMTP decoder; also its `SmtpInput`. */
class SmtpDecoder implements Decoder<SmtpFrame>, SmtpInput {
  saslResponseExpected = false;
  private state = Mode.Command;
  private body = Body.LineStart;
  /** The message's last byte so far was a CR (in a line): an LF first in the next read completes CRLF. */
  private crPending = false;
  private bareLineEnds = 0;
  /** The unfinished command line: its pieces (none holds an LF) and their length. */
  private pieces: Buffer[] = [];
  private pending = 0;
  /** Bytes of an overlong command line dropped so far; above 0 exactly while dropping. */
  private discarded = 0;
  private failure: Error | null = null;

  constructor(private readonly maxLength: number) {}

  get mode(): 'command' | 'data-pending' | 'data' {
    return this.state === Mode.Command ? 'command' : this.state === Mode.Data ? 'data' : 'data-pending';
  }

  get bufferedBytes(): number {
    return this.pending;
  }

  acceptData(): void {
    this.verdict();
    this.state = Mode.Data;
    this.body = Body.LineStart;
    this.crPending = false;
    this.bareLineEnds = 0;
  }

  rejectData(): void {
    this.verdict();
    this.state = Mode.Command;
  }

  decode(chunk: Buffer, sink: FrameSink<SmtpFrame>): void {
    if (this.failure !== null) throw this.failure;
    try {
      let pos = 0;
      while (pos < chunk.length) {
        if (this.state === Mode.Command) pos = this.command(chunk, pos, sink);
        else if (this.state === Mode.Data) pos = this.message(chunk, pos, sink);
        else throw new SmtpSynchronizationError(chunk.length - pos);
      }
    } catch (error) {
      this.failure = error as Error;
      this.pieces = [];
      this.pending = 0;
      throw error;
    }
  }

  private verdict(): void {
    if (this.state !== Mode.DataPending) {
      throw new TorsionError('TORSION_ERR_SMTP_INPUT', `smtp: DATA was answered twice, or a line that did not open DATA was answered as DATA (input is in ${this.mode} mode)`);
    }
  }

  /** Reads one command line (or the part of it this read holds); returns the position after it. */
  private command(buf: Buffer, pos: number, sink: FrameSink<SmtpFrame>): number {
    const lf = buf.indexOf(LF, pos);
    if (lf === -1) {
      this.hold(buf, pos);
      return buf.length;
    }
    if (this.discarded > 0) {
      const length = this.discarded + (lf - pos);
      this.discarded = 0;
      sink.frameError(new FrameTooLargeError(length, this.maxLength, 'command line length'));
      return lf + 1;
    }
    let line: Buffer;
    if (this.pending === 0) line = buf.subarray(pos, lf);
    else {
      this.pieces.push(buf.subarray(pos, lf));
      line = Buffer.concat(this.pieces, this.pending + (lf - pos));
      this.pieces = [];
      this.pending = 0;
    }
    const length = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    if (length > this.maxLength) {
      sink.frameError(new FrameTooLargeError(length, this.maxLength, 'command line length'));
      return lf + 1;
    }
    const text = line.toString('latin1', 0, length);
    const opensData = !this.saslResponseExpected && firstWord(text)?.toUpperCase() === 'DATA';
    if (opensData) this.state = Mode.DataPending;
    sink.frame(new SmtpLine(text, this, opensData));
    // Bytes after DATA in the same read were sent before its reply, whatever the verdict
    // (a sync handler may have given it already, inside `sink.frame`).
    if (opensData && lf + 1 < buf.length) throw new SmtpSynchronizationError(buf.length - lf - 1);
    return lf + 1;
  }

  /** A read without an LF: keep it for the line, or drop it once the line is certain to be too long. */
  private hold(buf: Buffer, pos: number): void {
    const more = buf.length - pos;
    if (this.discarded > 0) {
      this.discarded += more;
      return;
    }
    // A trailing CR may still be the line ending's, so it does not count yet.
    const certain = this.pending + more - (buf[buf.length - 1] === CR ? 1 : 0);
    if (certain > this.maxLength) {
      this.discarded = this.pending + more;
      this.pieces = [];
      this.pending = 0;
      return;
    }
    // A copy: the piece outlives this read.
    this.pieces.push(Buffer.from(buf.subarray(pos)));
    this.pending += more;
  }

  /**
   * Reads message bytes from `pos`: emits them as body chunks (views), drops the stuffing dot
   * of a line starting with one, and at CRLF.CRLF emits `DataEnd` and returns to command mode.
   * Only CRLF starts a line (a bare LF does not: a `LF.CRLF` is no terminator, the SMTP
   * smuggling defence); bare CRs and LFs are counted for the session's policy.
   */
  private message(buf: Buffer, pos: number, sink: FrameSink<SmtpFrame>): number {
    const end = buf.length;
    let run = pos;
    let i = pos;
    let cr = buf.indexOf(CR, pos);
    while (i < end) {
      switch (this.body) {
        case Body.LineStart:
          if (buf[i] === DOT) {
            if (i > run) sink.frame(buf.subarray(run, i));
            i++;
            run = i;
            this.body = Body.Dot;
          } else {
            this.body = Body.InLine;
          }
          break;
        case Body.Dot:
          if (buf[i] === CR) {
            i++;
            run = i;
            this.body = Body.DotCr;
          } else {
            this.body = Body.InLine;
          }
          break;
        case Body.DotCr:
          if (buf[i] === LF) {
            sink.frame(new DataEnd(this.bareLineEnds));
            this.state = Mode.Command;
            this.body = Body.LineStart;
            return i + 1;
          }
          // ".\rX": the dot was stuffing, and that CR is a bare one.
          sink.frame(CR_BYTE);
          this.bareLineEnds++;
          this.body = Body.InLine;
          break;
        default: {
          if (this.crPending) {
            this.crPending = false;
            if (buf[i] === LF) {
              i++;
              this.body = Body.LineStart;
              break;
            }
            this.bareLineEnds++;
          }
          const lf = buf.indexOf(LF, i);
          const stop = lf === -1 ? end : lf;
          while (cr !== -1 && cr < i) cr = buf.indexOf(CR, i);
          // CRs before the line's end, other than one right before its LF, are bare.
          while (cr !== -1 && cr < stop - 1) {
            this.bareLineEnds++;
            cr = buf.indexOf(CR, cr + 1);
          }
          if (lf === -1) {
            if (cr === end - 1) this.crPending = true;
            i = end;
            break;
          }
          if (lf > i && buf[lf - 1] === CR) this.body = Body.LineStart;
          else this.bareLineEnds++;
          i = lf + 1;
        }
      }
    }
    if (run < end) sink.frame(buf.subarray(run, end));
    return end;
  }
}
