import type { Codec, Decoder, FrameSink, OutputChunks } from './codec';
import { FrameDecoder, REUSABLE } from './frame-decoder';
import { indexOfByte, latin1Text, utf8Text } from './buffer-calls';
import type { FrameOutput } from './frame-output';
import { checkKnownOptions, choiceOption, integerOption } from './options';
import { splitInlineArgs, splitPlainInline } from './resp-inline';
import { encodeReply, type RespReply } from './resp-reply';
import { FrameTooLargeError, ProtocolError } from '../errors';

/** Options of `resp()`; every one has a default. */
export interface RespOptions {
  /** Maximum bytes of one bulk string (Redis's proto-max-bulk-len is 512 MiB). Default 8 MiB. */
  maxBulkLength?: number;
  /** Maximum arguments of one command. Default 65536. */
  maxArgs?: number;
  /** Maximum bytes of an inline command line, terminator excluded (Redis: 64 KiB). Default 64 KiB. */
  maxInlineLength?: number;
  /** Maximum bytes of one whole request on the wire, headers included. Default 32 MiB. */
  maxLength?: number;
  /**
   * 'buffer' (default): each command is a Buffer[]; 'string': a string[] (UTF-8);
   * 'latin1': a string[] of byte strings (one character per byte, binary-safe like Buffers and
   * cheaper; string replies are then byte strings too, written as latin1).
   */
  output?: RespOutput;
}

/** What each argument of a decoded command is: see `RespOptions.output`. */
export type RespOutput = FrameOutput | 'latin1';

const KNOWN = ['maxBulkLength', 'maxArgs', 'maxInlineLength', 'maxLength', 'output'] as const;
const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;
const MINUS = 0x2d;
/** Longest `*N` / `$N` count line accepted: 20 characters hold any 64-bit integer. */
const MAX_COUNT_LINE = 32;

function show(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
}

/** Redis's string2ll: optional '-', no leading zeros, no '+', at most 18 digits; NaN when invalid. */
function parseInteger(buf: Buffer, start: number, end: number): number {
  let p = start;
  const negative = p < end && buf[p] === MINUS;
  if (negative) p++;
  if (p >= end || end - p > 18) return NaN;
  if (buf[p] === 0x30) return end - p === 1 && !negative ? 0 : NaN;
  let value = 0;
  for (; p < end; p++) {
    const digit = buf[p] - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** The limits a `RespCodec` enforces, from its `RespOptions` with defaults filled in. */
export interface RespLimits {
  /** Maximum bytes of one bulk string (default 8 MiB). */
  readonly maxBulkLength: number;
  /** Maximum arguments of one command, multibulk or inline (default 65536). */
  readonly maxArgs: number;
  /** Maximum bytes of an inline command line, terminator excluded (default 64 KiB). */
  readonly maxInlineLength: number;
  /** Maximum bytes of one whole multibulk request on the wire, headers included (default 32 MiB). */
  readonly maxLength: number;
  /** What each argument of a decoded command is: 'buffer' (default), 'string' or 'latin1'. */
  readonly output: RespOutput;
}

/**
 * RESP2 requests, as a Redis server reads them: a multibulk array of bulk strings
 * (`*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n`), or an inline command line (`PING\r\n`). `*0`, `*-1`
 * and blank inline lines are consumed without producing a command, as Redis ignores them.
 *
 * Progress: a request is delivered whole, but parsed once: the offsets of finished arguments
 * and of the next element are kept relative to the request's start (which the base decoder
 * keeps at the front of the retained bytes), so a large bulk arriving in many small chunks
 * is never rescanned. Every declared count and length is checked before its bytes are
 * awaited; a request never retains more than `maxLength` bytes plus one chunk.
 */
class RespDecoder extends FrameDecoder<Buffer[] | string[]> {
  /** Arguments of the multibulk in progress; 0 when at the start of a request. */
  private argc = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Offset of the next unparsed element, relative to the request start. */
  private next = 0;
  /** Length of the bulk whose header was parsed (`next` is then its data), or -1. */
  private bulkLength = -1;
  /** Inline: bytes after the request start known to hold no '\n'. */
  private scanned = 0;

  constructor(private readonly limits: RespLimits) {
    super('resp', Math.max(limits.maxLength, limits.maxInlineLength + 2));
  }

  /** @internal Nothing held: no tail, no failure, no request begun (`argc`, `scanned` are 0 without a tail). */
  override get [REUSABLE](): boolean {
    return this.holdsNoTail && this.argc === 0 && this.scanned === 0;
  }

  protected decodeFrame(buf: Buffer, start: number, sink: FrameSink<Buffer[] | string[]>): number {
    if (this.argc === 0) {
      if (buf[start] !== STAR) return this.inline(buf, start, sink);
      const whole = this.wholeRequest(buf, start, sink);
      if (whole !== 0) return whole;
      const cr = this.countLine(buf, start + 1, 'mbulk');
      if (cr === -1) return 0;
      const argc = parseInteger(buf, start + 1, cr);
      if (Number.isNaN(argc)) throw new ProtocolError('Protocol error: invalid multibulk length');
      if (argc <= 0) return cr + 2 - start;
      if (argc > this.limits.maxArgs) throw new FrameTooLargeError(argc, this.limits.maxArgs, 'multibulk length');
      this.argc = argc;
      this.next = cr + 2 - start;
    }
    const end = buf.length;
    while (this.starts.length < this.argc) {
      let at = start + this.next;
      if (this.bulkLength < 0) {
        if (at >= end) return 0;
        if (buf[at] !== DOLLAR) throw new ProtocolError(`Protocol error: expected '$', got '${show(buf[at])}'`);
        const cr = this.countLine(buf, at + 1, 'bulk');
        if (cr === -1) return 0;
        const length = parseInteger(buf, at + 1, cr);
        if (Number.isNaN(length) || length < 0) throw new ProtocolError('Protocol error: invalid bulk length');
        if (length > this.limits.maxBulkLength) throw new FrameTooLargeError(length, this.limits.maxBulkLength, 'bulk length');
        const requestLength = cr + 2 + length + 2 - start;
        if (requestLength > this.limits.maxLength) throw new FrameTooLargeError(requestLength, this.limits.maxLength, 'request length');
        this.bulkLength = length;
        this.next = cr + 2 - start;
        at = cr + 2;
      }
      const dataEnd = at + this.bulkLength;
      if (dataEnd + 2 > end) return 0;
      if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) throw new ProtocolError("Protocol error: expected '\\r\\n' after the bulk data");
      this.starts.push(at - start);
      this.ends.push(dataEnd - start);
      this.next = dataEnd + 2 - start;
      this.bulkLength = -1;
    }
    const consumed = this.next;
    sink.frame(this.takeArgs(buf, start));
    return consumed;
  }

  /**
   * The common case, a small request already whole in the buffer (pipelined commands): parsed
   * in one pass, each argument sliced as it is found. Anything else — a partial request, a large
   * one, or any irregularity — returns 0 having emitted nothing, and the incremental parser below
   * takes over (and words the errors).
   */
  private wholeRequest(buf: Buffer, start: number, sink: FrameSink<Buffer[] | string[]>): number {
    const end = buf.length;
    let p = start + 1;
    let argc = 0;
    for (let digits = 0; p < end && buf[p] >= 0x30 && buf[p] <= 0x39; p++, digits++) {
      if (digits === 2 || (digits === 1 && argc === 0)) return 0; // over 99, or a leading zero
      argc = argc * 10 + buf[p] - 0x30;
    }
    if (argc === 0 || argc > this.limits.maxArgs || p + 1 >= end || buf[p] !== CR || buf[p + 1] !== LF) return 0;
    p += 2;
    const output = this.limits.output;
    // Built by push, never `new Array(n)`: every frame array stays packed, whichever path made it,
    // so the handler reading it sees one array shape (a holey one would make its code polymorphic).
    const args: Array<Buffer | string> = [];
    for (let i = 0; i < argc; i++) {
      if (p >= end || buf[p] !== DOLLAR) return 0;
      p++;
      let length = 0;
      let digits = 0;
      for (; p < end && buf[p] >= 0x30 && buf[p] <= 0x39; p++, digits++) {
        if (digits === 9 || (digits === 1 && length === 0)) return 0;
        length = length * 10 + buf[p] - 0x30;
      }
      if (digits === 0 || length > this.limits.maxBulkLength || p + 1 >= end || buf[p] !== CR || buf[p + 1] !== LF) return 0;
      p += 2;
      const dataEnd = p + length;
      if (dataEnd + 2 > end || buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) return 0;
      args.push(output === 'latin1' ? latin1Text(buf, p, dataEnd) : output === 'string' ? utf8Text(buf, p, dataEnd) : buf.subarray(p, dataEnd));
      p = dataEnd + 2;
    }
    if (p - start > this.limits.maxLength) return 0;
    sink.frame(args as Buffer[] | string[]);
    return p - start;
  }

  /** The index of the '\r' ending a `*N`/`$N` line starting at `from`, or -1 for "not yet". */
  private countLine(buf: Buffer, from: number, what: 'mbulk' | 'bulk'): number {
    const end = buf.length;
    const cr = indexOfByte(buf, CR, from);
    if ((cr === -1 ? end : cr) - from > MAX_COUNT_LINE) throw new ProtocolError(`Protocol error: too big ${what} count string`);
    if (cr === -1 || cr + 1 >= end) return -1;
    if (buf[cr + 1] !== LF) throw new ProtocolError(`Protocol error: expected '\\n' after '\\r' in the ${what} count, got '${show(buf[cr + 1])}'`);
    return cr;
  }

  private takeArgs(buf: Buffer, start: number): Buffer[] | string[] {
    const { starts, ends } = this;
    const count = starts.length;
    let args: Buffer[] | string[];
    const output = this.limits.output;
    if (output === 'latin1') {
      const strings: string[] = [];
      for (let i = 0; i < count; i++) strings.push(latin1Text(buf, start + starts[i], start + ends[i]));
      args = strings;
    } else if (output === 'string') {
      const strings: string[] = [];
      for (let i = 0; i < count; i++) strings.push(utf8Text(buf, start + starts[i], start + ends[i]));
      args = strings;
    } else {
      const views: Buffer[] = [];
      for (let i = 0; i < count; i++) views.push(buf.subarray(start + starts[i], start + ends[i]));
      args = views;
    }
    starts.length = 0;
    ends.length = 0;
    this.argc = 0;
    this.next = 0;
    return args;
  }

  private inline(buf: Buffer, start: number, sink: FrameSink<Buffer[] | string[]>): number {
    const max = this.limits.maxInlineLength;
    const end = buf.length;
    const lf = indexOfByte(buf, LF, start + this.scanned);
    if (lf === -1) {
      const atLeast = end - start - (buf[end - 1] === CR ? 1 : 0);
      if (atLeast > max) throw new FrameTooLargeError(atLeast, max, 'inline request length');
      this.scanned = end - start;
      return 0;
    }
    this.scanned = 0;
    const lineEnd = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
    if (lineEnd - start > max) throw new FrameTooLargeError(lineEnd - start, max, 'inline request length');
    const output = this.limits.output;
    if (output !== 'buffer') {
      // Strings wanted: decode the line once and split it, when it is plain words.
      const text = output === 'latin1' ? latin1Text(buf, start, lineEnd) : utf8Text(buf, start, lineEnd);
      const plain = splitPlainInline(text);
      if (plain !== null) {
        if (plain.length > this.limits.maxArgs) throw new FrameTooLargeError(plain.length, this.limits.maxArgs, 'inline argument count');
        if (plain.length > 0) sink.frame(plain);
        return lf + 1 - start;
      }
    }
    const args = splitInlineArgs(buf, start, lineEnd);
    if (args === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    if (args.length > this.limits.maxArgs) throw new FrameTooLargeError(args.length, this.limits.maxArgs, 'inline argument count');
    if (args.length > 0) sink.frame(output === 'buffer' ? args : args.map((a) => a.toString(output === 'latin1' ? 'latin1' : 'utf8')));
    return lf + 1 - start;
  }
}

/**
 * The Redis protocol, server side (RESP2): decodes requests (commands as argument arrays),
 * encodes replies from JS values (see `RespReply`: strings are bulk strings, `respSimple('OK')`
 * is `+OK`, `respError('ERR ...')` is `-ERR ...`, null is the null bulk). Replies are not
 * size-checked: the limits protect this server from its peers, not the peers from it.
 */
export class RespCodec<F extends Buffer[] | string[] = Buffer[]> implements Codec<F, RespReply> {
  /** {@inheritDoc Codec.name} */
  readonly name = 'resp';
  /** The validated limits and output, defaults filled in; shared (read-only) by every decoder of this codec. */
  readonly limits: RespLimits;
  /** 'latin1' when `output` is 'latin1' (replies are byte strings, as requests are), else 'utf8'. */
  readonly stringEncoding: 'utf8' | 'latin1';

  constructor(options: RespOptions = {}) {
    checkKnownOptions('resp', options, KNOWN);
    this.limits = {
      maxBulkLength: integerOption('resp', 'maxBulkLength', options.maxBulkLength, 8 * 1024 * 1024),
      maxArgs: integerOption('resp', 'maxArgs', options.maxArgs, 64 * 1024),
      maxInlineLength: integerOption('resp', 'maxInlineLength', options.maxInlineLength, 64 * 1024),
      maxLength: integerOption('resp', 'maxLength', options.maxLength, 32 * 1024 * 1024),
      output: choiceOption<RespOutput>('resp', 'output', options.output, 'buffer', ['buffer', 'string', 'latin1']),
    };
    this.stringEncoding = this.limits.output === 'latin1' ? 'latin1' : 'utf8';
  }

  /** Maximum bytes of one request on the wire (`RespOptions.maxLength`, default 32 MiB). */
  get maxLength(): number {
    return this.limits.maxLength;
  }

  /** {@inheritDoc Codec.createDecoder} */
  createDecoder(): Decoder<F> {
    return new RespDecoder(this.limits) as FrameDecoder<Buffer[] | string[]> as Decoder<F>;
  }

  /** Appends the RESP2 encoding of a reply (see `RespReply`); replies are not size-checked. */
  encode(value: RespReply, out: OutputChunks): void {
    encodeReply(value, out, this.stringEncoding === 'latin1');
  }
}

/** RESP2 (Redis) requests and replies; see `RespOptions` for the defaults. */
export function resp(options?: RespOptions & { output?: 'buffer' }): RespCodec<Buffer[]>;
/** Commands as string arrays (UTF-8, or latin1 byte strings). */
export function resp(options: RespOptions & { output: 'string' | 'latin1' }): RespCodec<string[]>;
/** Commands as Buffer or string arrays, when `output` is not known statically. */
export function resp(options?: RespOptions): RespCodec<Buffer[]> | RespCodec<string[]>;
export function resp(options?: RespOptions): RespCodec<Buffer[]> | RespCodec<string[]> {
  return new RespCodec(options);
}
