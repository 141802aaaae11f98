import type { OutputChunks } from '../../codec/codec';
import { FrameTooLargeError, TorsionError } from '../../errors';
import type { ImapDecoderLimits } from './command-decoder';
import { isAtom, isQuotable, isTag, quote } from './grammar';
import type { ImapCommand, ImapDone, ImapToken } from './types';

/** Longest string written quoted; longer ones go as literals. */
const MAX_QUOTED = 1024;

/**
 * Writes a command as a client sends it: atoms bare (an atom the decoder would not read back
 * as the same one is refused), strings quoted when short and plain, otherwise as LITERAL+
 * literals (`{n+}`, RFC 7888: a codec cannot wait for the server's `+`), lists in parentheses.
 * Refuses a command over `limits` with a `FrameTooLargeError`.
 */
export function encodeCommand(value: ImapCommand | ImapDone, out: OutputChunks, limits: ImapDecoderLimits): void {
  if (value === null || typeof value !== 'object') throw refuse(`a command object, not ${value === null ? 'null' : typeof value}`);
  if (value.kind === 'done') {
    out.push('DONE\r\n');
    return;
  }
  if (value.kind !== 'command') throw refuse(`a command or DONE, not a '${String((value as { kind?: unknown }).kind)}' frame`);
  if (!isTag(value.tag)) throw refuse(`a valid tag, not ${JSON.stringify(value.tag)}`);
  if (typeof value.name !== 'string' || !/^[A-Za-z][A-Za-z0-9-]*$/.test(value.name)) throw refuse(`a command name that is a word, not ${JSON.stringify(value.name)}`);
  const writer = new CommandWriter(limits);
  writer.text(`${value.tag} ${value.name}`);
  if (!Array.isArray(value.args)) throw refuse('args as an array');
  for (const arg of value.args) {
    writer.text(' ');
    writer.token(arg, 0);
  }
  writer.text('\r\n');
  writer.flush(out);
}

function refuse(what: string): TorsionError {
  return new TorsionError('TORSION_ERR_ENCODE', `imap: the command codec writes ${what}`);
}

class CommandWriter {
  private readonly pieces: OutputChunks = [];
  private line = '';
  private lineBytes = 0;
  private literalBytes = 0;

  constructor(private readonly limits: ImapDecoderLimits) {}

  text(text: string): void {
    this.line += text;
    this.lineBytes += text.length;
    // The line end is not counted by the decoder's limit.
    if (this.lineBytes - (text === '\r\n' ? 2 : 0) > this.limits.maxLength) throw new FrameTooLargeError(this.lineBytes, this.limits.maxLength, 'imap: command line length');
  }

  token(token: ImapToken, depth: number): void {
    if (typeof token === 'string') {
      if (!isAtom(token)) throw refuse(`atoms the decoder reads back whole, not ${JSON.stringify(token)}; send it as a Buffer (a string)`);
      this.text(token);
    } else if (Buffer.isBuffer(token)) {
      if (token.length <= MAX_QUOTED && isQuotable(token)) {
        this.text(quote(token));
      } else {
        this.literal(token);
      }
    } else if (Array.isArray(token) && depth < 32) {
      this.text('(');
      token.forEach((item: ImapToken, i: number) => {
        if (i > 0) this.text(' ');
        this.token(item, depth + 1);
      });
      this.text(')');
    } else {
      throw refuse(`atoms (strings), strings (Buffers) and lists (arrays, at most 32 deep), not ${typeof token}`);
    }
  }

  private literal(bytes: Buffer): void {
    this.literalBytes += bytes.length;
    if (this.literalBytes > this.limits.maxLiteralSize) throw new FrameTooLargeError(this.literalBytes, this.limits.maxLiteralSize, 'imap: literal size');
    this.text(`{${bytes.length}+}`);
    this.pieces.push(`${this.line}\r\n`, bytes);
    this.line = '';
  }

  flush(out: OutputChunks): void {
    for (const piece of this.pieces) out.push(piece);
    out.push(this.line);
  }
}
