/**
 * What the IMAP codec produces and accepts. A command's arguments are tokens as the grammar of
 * RFC 3501 section 9 has them: an atom (a JS string, e.g. `FETCH`, `1:*`, `\Seen`,
 * `BODY.PEEK[HEADER.FIELDS (FROM)]<0.100>`: a `[...]` section is part of its atom), a string
 * (a `Buffer`: quoted or literal on the wire, bytes exact), or a parenthesised list (an array).
 */
export type ImapToken = string | Buffer | readonly ImapToken[];

/** One complete tagged command, its literals included: `A1 LOGIN ann {6}\r\nsecret`. */
export interface ImapCommand {
  /** Always 'command': tells it from the decoder's other frames. */
  readonly kind: 'command';
  /** The client's tag, which the tagged reply repeats (`A1`). */
  readonly tag: string;
  /** The command name as sent (routes match it whatever its case). */
  readonly name: string;
  /** The arguments after the name; a literal is there whole, as a `Buffer` string. */
  readonly args: readonly ImapToken[];
}

/**
 * The client announced a synchronizing literal (`{n}` at a line's end) and waits for a
 * continuation request (`+ ...`) before sending its bytes. The decoder cannot write, so it
 * emits this frame, in stream order, and the protocol answers it; the command itself follows
 * once its literals have arrived. A literal over the limit is refused instead (see
 * `ImapTooLargeError`), and the client then sends nothing more of that command.
 */
export interface ImapLiteralRequest {
  /** Always 'literal': tells it from the decoder's other frames. */
  readonly kind: 'literal';
  /** The tag of the command the literal belongs to. */
  readonly tag: string;
  /** The literal's announced size in bytes. */
  readonly size: number;
}

/** The `DONE` line that ends IDLE (RFC 2177): a line that is no command. */
export interface ImapDone {
  /** Always 'done': tells it from the decoder's other frames. */
  readonly kind: 'done';
}

/** A frame of the IMAP command decoder. */
export type ImapRequest = ImapCommand | ImapLiteralRequest | ImapDone;

/**
 * A value in a server response: an atom written as given (a JS string: `FETCH`, `\Seen`,
 * `BODY[]`), a number, NIL (null), a string (a `Buffer`: quoted when it is short and plain,
 * else a literal `{n}`, bytes exact), or a parenthesised list.
 */
export type ImapValue = string | number | null | Buffer | readonly ImapValue[] | ImapAdjacent;

/** Values written one after another with no space between them: the parts of a multipart BODYSTRUCTURE, `(...)(...)`. */
export interface ImapAdjacent {
  /** The values, written in order without separators. */
  readonly adjacent: readonly ImapValue[];
}

/**
 * One server response line of values separated by spaces, optionally followed by free text
 * (resp-text): `{ values: ['*', 3, 'FETCH', ['UID', 7]] }`, `{ values: ['A1', 'OK'], text: '[READ-WRITE] done' }`.
 */
export interface ImapResponse {
  /** The values, written in order with a space between each (the tag or `*` first). */
  readonly values: readonly ImapValue[];
  /** Free text after the values (a space between), written as is; CR or LF in it is refused. */
  readonly text?: string;
}

/**
 * What the server codec writes: a line of text (CRLF appended; CR and LF are refused in it so
 * that nothing a peer sent can end a line early), a structured response, or several of either.
 */
export type ImapReply = string | ImapResponse | readonly ImapReply[];
