import type { OutputChunks } from '../../codec/codec';
import { TorsionError } from '../../errors';
import { isQuotable, quote } from './grammar';
import type { ImapAdjacent, ImapReply, ImapResponse, ImapValue } from './types';

/** Longest string written quoted; longer ones go as literals. */
const MAX_QUOTED = 256;
/** Replies nest (arrays of replies, lists of values) at most this deep. */
const MAX_DEPTH = 64;

/**
 * Writes server replies: a text line gets its CRLF; a structured response its values separated
 * by spaces (strings quoted or as `{n}` literals with their bytes exact), then its text.
 * A line holding CR or LF is refused (`TORSION_ERR_ENCODE`): a mailbox name or a peer's tag
 * could otherwise end a response early and forge the next one.
 */
export function encodeReply(reply: ImapReply, out: OutputChunks, depth = 0): void {
  if (depth > MAX_DEPTH) throw refuse(`replies nested more than ${MAX_DEPTH} deep`);
  if (typeof reply === 'string') {
    out.push(`${plain(reply)}\r\n`);
  } else if (Array.isArray(reply)) {
    for (const item of reply as readonly ImapReply[]) encodeReply(item, out, depth + 1);
  } else if (reply !== null && typeof reply === 'object' && Array.isArray((reply as ImapResponse).values)) {
    const response = reply as ImapResponse;
    const writer = new ResponseWriter(out);
    response.values.forEach((value, i) => {
      if (i > 0) writer.line += ' ';
      writer.value(value, 0);
    });
    if (response.text !== undefined) writer.line += `${response.values.length > 0 ? ' ' : ''}${plain(response.text)}`;
    out.push(`${writer.line}\r\n`);
  } else {
    throw refuse(`a line (string), a response ({ values, text }) or an array of them, not ${reply === null ? 'null' : typeof reply}`);
  }
}

function refuse(what: string): TorsionError {
  return new TorsionError('TORSION_ERR_ENCODE', `imap: cannot write ${what}`);
}

function plain(text: string): string {
  if (/[\r\n]/.test(text)) throw refuse(`a line holding CR or LF: ${JSON.stringify(text.slice(0, 64))}`);
  return text;
}

class ResponseWriter {
  line = '';

  constructor(private readonly out: OutputChunks) {}

  value(value: ImapValue, depth: number): void {
    if (value === null) {
      this.line += 'NIL';
    } else if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || value < 0) throw refuse(`the number ${value}`);
      this.line += String(value);
    } else if (typeof value === 'string') {
      this.line += plain(value);
    } else if (Buffer.isBuffer(value)) {
      if (value.length <= MAX_QUOTED && isQuotable(value)) {
        this.line += quote(value);
      } else {
        this.out.push(`${this.line}{${value.length}}\r\n`, value);
        this.line = '';
      }
    } else if (Array.isArray(value) && depth < MAX_DEPTH) {
      this.line += '(';
      (value as readonly ImapValue[]).forEach((item, i) => {
        if (i > 0) this.line += ' ';
        this.value(item, depth + 1);
      });
      this.line += ')';
    } else if (value !== null && typeof value === 'object' && Array.isArray((value as ImapAdjacent).adjacent) && depth < MAX_DEPTH) {
      for (const item of (value as ImapAdjacent).adjacent) this.value(item, depth + 1);
    } else {
      throw refuse(`the value ${typeof value}`);
    }
  }
}
