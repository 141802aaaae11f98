import { ImapSyntaxError } from './errors';
import { atomEnd, isTag, literalMarker } from './grammar';
import type { ImapCommand, ImapToken } from './types';

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACE = 0x7b;
/** Lists nest at most this deep (a peer cannot make the parser recurse without bound). */
const MAX_DEPTH = 32;

/**
 * Parses one complete command, as the decoder framed it: its lines (without line ends) and the
 * literals between them, `lines[i]` ending with the marker of `literals[i]`. Throws an
 * `ImapSyntaxError` carrying the tag (when there is one) for anything off the grammar.
 */
export function parseCommand(lines: readonly Buffer[], literals: readonly Buffer[]): ImapCommand {
  return new Cursor(lines, literals).command();
}

/** The tag a line starts with, if it is one: for error replies when the rest cannot be read. */
export function tagOf(line: Buffer): string | undefined {
  const space = line.indexOf(SP);
  const tag = line.toString('latin1', 0, space === -1 ? Math.min(line.length, 64) : Math.min(space, 64));
  return isTag(tag) ? tag : undefined;
}

class Cursor {
  private li = 0;
  private pos = 0;
  private tag: string | undefined;

  constructor(
    private readonly lines: readonly Buffer[],
    private readonly literals: readonly Buffer[],
  ) {}

  command(): ImapCommand {
    const first = this.lines[0];
    const space = first.indexOf(SP);
    const tag = first.toString('latin1', 0, space === -1 ? first.length : space);
    if (!isTag(tag)) throw new ImapSyntaxError(undefined, 'a command begins with a tag');
    this.tag = tag;
    if (space === -1) this.fail('a command name follows the tag');
    this.pos = space + 1;
    const name = this.atom();
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) this.fail('the command name is not a word');
    const args: ImapToken[] = [];
    while (!this.atEnd()) {
      this.expectSpace();
      args.push(this.token(0));
    }
    return { kind: 'command', tag, name, args };
  }

  private get line(): Buffer {
    return this.lines[this.li];
  }

  private atEnd(): boolean {
    return this.li === this.lines.length - 1 && this.pos === this.line.length;
  }

  private fail(message: string): never {
    throw new ImapSyntaxError(this.tag, message);
  }

  private expectSpace(): void {
    if (this.pos >= this.line.length || this.line[this.pos] !== SP) this.fail('arguments are separated by one space');
    this.pos++;
  }

  private token(depth: number): ImapToken {
    if (this.pos >= this.line.length) this.fail('an argument is missing');
    const c = this.line[this.pos];
    if (c === LPAREN) return this.list(depth);
    if (c === DQUOTE) return this.quoted();
    if (c === LBRACE) return this.literal();
    return this.atom();
  }

  private list(depth: number): ImapToken[] {
    if (depth >= MAX_DEPTH) this.fail(`lists nest more than ${MAX_DEPTH} deep`);
    this.pos++;
    const items: ImapToken[] = [];
    if (this.line[this.pos] === RPAREN) {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.token(depth + 1));
      if (this.line[this.pos] === RPAREN) {
        this.pos++;
        return items;
      }
      this.expectSpace();
    }
  }

  private quoted(): Buffer {
    const line = this.line;
    const out: number[] = [];
    for (let at = this.pos + 1; at < line.length; at++) {
      const c = line[at];
      if (c === DQUOTE) {
        this.pos = at + 1;
        return Buffer.from(out);
      }
      if (c === BACKSLASH) {
        const next = line[at + 1];
        if (next !== DQUOTE && next !== BACKSLASH) this.fail('a quoted string escapes only " and \\');
        out.push(next);
        at++;
      } else if (c === 0) {
        this.fail('a quoted string holds no NUL');
      } else {
        out.push(c);
      }
    }
    return this.fail('a quoted string is not closed');
  }

  private literal(): Buffer {
    const marker = literalMarker(this.line);
    // The decoder only cut lines after markers, so a `{` anywhere else is not a literal.
    if (marker === null || marker.start !== this.pos) this.fail('a literal {n} ends its line');
    const literal = this.literals[this.li];
    this.li++;
    this.pos = 0;
    return literal;
  }

  private atom(): string {
    const end = atomEnd(this.line, this.pos);
    if (end === -1) this.fail('a [ section is not closed');
    if (end === this.pos) this.fail(`unexpected ${JSON.stringify(String.fromCharCode(this.line[this.pos]))}`);
    const atom = this.line.toString('latin1', this.pos, end);
    this.pos = end;
    return atom;
  }
}
