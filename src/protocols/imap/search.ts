import type { StoredMessage } from '../maildir/mail-store';
import { ImapSyntaxError } from './errors';
import { fieldValue, type MimePart } from './message/mime';
import { inSet, isSequenceSet, parseSequenceSet, type SequenceSet } from './sequence-set';
import type { ImapToken } from './types';

/** What a search key is evaluated against. */
export interface SearchSubject {
  readonly seq: number;
  readonly message: StoredMessage;
  readonly recent: boolean;
  /** Largest sequence number and UID, for `*`. */
  readonly maxSeq: number;
  readonly maxUid: number;
  /** The parsed message, loaded only when a key needs it (`needsContent`). */
  readonly content: MimePart | undefined;
}

/** A compiled search key. */
export type SearchKey = (s: SearchSubject) => boolean;

/** A compiled SEARCH: its predicate, and whether it reads message contents. */
export interface SearchQuery {
  readonly matches: SearchKey;
  readonly needsContent: boolean;
}

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const HEADER_KEYS: Record<string, string> = { BCC: 'bcc', CC: 'cc', FROM: 'from', SUBJECT: 'subject', TO: 'to' };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const MAX_KEYS = 256;

/** Compiles SEARCH arguments (RFC 3501 section 6.4.4); an `ImapSyntaxError` with `tag` when they are not valid. */
export function compileSearch(args: readonly ImapToken[], tag: string): SearchQuery {
  return new SearchCompiler(args, tag).compile();
}

function text(token: ImapToken | undefined): string | undefined {
  if (typeof token === 'string') return token;
  if (Buffer.isBuffer(token)) return token.toString('utf8');
  return undefined;
}

function contains(haystack: string | undefined, needle: string): boolean {
  return haystack !== undefined && haystack.toLowerCase().includes(needle.toLowerCase());
}

/** The start of day (UTC) of an IMAP date `1-Feb-1994`, in ms. */
function parseDate(value: string | undefined, tag: string): number {
  const match = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(value ?? '');
  const month = match === null ? -1 : MONTHS.indexOf(match[2].toUpperCase());
  if (match === null || month === -1) throw new ImapSyntaxError(tag, 'a date is written 1-Feb-1994');
  return Date.UTC(Number(match[3]), month, Number(match[1]));
}

const DAY = 86_400_000;
const dayOf = (ms: number): number => Math.floor(ms / DAY) * DAY;

class SearchCompiler {
  private at = 0;
  private needsContent = false;
  private keys = 0;

  constructor(
    private readonly args: readonly ImapToken[],
    private readonly tag: string,
  ) {}

  compile(): SearchQuery {
    if (typeof this.args[0] === 'string' && this.args[0].toUpperCase() === 'CHARSET') {
      const charset = text(this.args[1])?.toUpperCase();
      if (charset !== 'UTF-8' && charset !== 'US-ASCII') throw new ImapSyntaxError(this.tag, '[BADCHARSET (UTF-8 US-ASCII)] charset not supported');
      this.at = 2;
    }
    const all: SearchKey[] = [];
    while (this.at < this.args.length) all.push(this.key(this.args, 0));
    if (all.length === 0) throw new ImapSyntaxError(this.tag, 'SEARCH needs a key, e.g. ALL');
    return { matches: and(all), needsContent: this.needsContent };
  }

  private fail(message: string): never {
    throw new ImapSyntaxError(this.tag, message);
  }

  private next(args: readonly ImapToken[], what: string): string {
    const value = text(args[this.at++]);
    if (value === undefined) this.fail(`${what} is missing`);
    return value;
  }

  private key(args: readonly ImapToken[], depth: number): SearchKey {
    if (++this.keys > MAX_KEYS || depth > 32) this.fail('the search is too complex');
    const token = args[this.at++];
    if (Array.isArray(token)) {
      const saved = this.at;
      this.at = 0;
      const inner: SearchKey[] = [];
      while (this.at < token.length) inner.push(this.key(token, depth + 1));
      this.at = saved;
      if (inner.length === 0) this.fail('an empty search group');
      return and(inner);
    }
    if (typeof token !== 'string') this.fail('a search key is expected');
    const name = token.toUpperCase();
    const flag = FLAG_KEYS[name];
    if (flag !== undefined) {
      const [wanted, set] = flag;
      return (s) => s.message.flags.includes(wanted) === set;
    }
    const header = HEADER_KEYS[name];
    if (header !== undefined) {
      const needle = this.next(args, `${name}'s string`);
      this.needsContent = true;
      return (s) => s.content !== undefined && contains(fieldValue(s.content, header), needle);
    }
    switch (name) {
      case 'ALL':
        return () => true;
      case 'NEW':
        return (s) => s.recent && !s.message.flags.includes('\\Seen');
      case 'OLD':
        return (s) => !s.recent;
      case 'RECENT':
        return (s) => s.recent;
      case 'KEYWORD':
        this.next(args, 'the keyword');
        return () => false; // keywords are not kept
      case 'UNKEYWORD':
        this.next(args, 'the keyword');
        return () => true;
      case 'NOT': {
        const inner = this.key(args, depth + 1);
        return (s) => !inner(s);
      }
      case 'OR': {
        const a = this.key(args, depth + 1);
        const b = this.key(args, depth + 1);
        return (s) => a(s) || b(s);
      }
      case 'UID': {
        const set = parseSequenceSet(this.next(args, 'the UID set'), this.tag);
        return (s) => inSet(set, s.message.uid, s.maxUid);
      }
      case 'LARGER':
      case 'SMALLER': {
        const size = Number(this.next(args, 'the size'));
        if (!Number.isSafeInteger(size) || size < 0) this.fail(`${name} takes a number`);
        return name === 'LARGER' ? (s) => s.message.size > size : (s) => s.message.size < size;
      }
      case 'BEFORE':
      case 'ON':
      case 'SINCE': {
        const day = parseDate(this.next(args, 'the date'), this.tag);
        return dateKey(name, day, (s) => s.message.internalDate.getTime());
      }
      case 'SENTBEFORE':
      case 'SENTON':
      case 'SENTSINCE': {
        const day = parseDate(this.next(args, 'the date'), this.tag);
        this.needsContent = true;
        const test = dateKey(name.slice(4), day, (s) => Date.parse(fieldValue(s.content as MimePart, 'date') ?? ''));
        return (s) => s.content !== undefined && test(s);
      }
      case 'HEADER': {
        const field = this.next(args, "HEADER's field name");
        const needle = this.next(args, "HEADER's string");
        this.needsContent = true;
        return (s) => s.content !== undefined && s.content.fields.some((f) => f.name.toLowerCase() === field.toLowerCase() && contains(f.value, needle));
      }
      case 'BODY':
      case 'TEXT': {
        const needle = Buffer.from(this.next(args, `${name}'s string`).toLowerCase());
        this.needsContent = true;
        return (s) => {
          if (s.content === undefined) return false;
          const where = name === 'BODY' ? s.content.body : Buffer.concat([s.content.header, s.content.body]);
          return Buffer.from(where.toString('latin1').toLowerCase(), 'latin1').includes(needle);
        };
      }
      default: {
        if (!isSequenceSet(token)) this.fail(`unknown search key ${JSON.stringify(token.slice(0, 32))}`);
        const set: SequenceSet = parseSequenceSet(token, this.tag);
        return (s) => inSet(set, s.seq, s.maxSeq);
      }
    }
  }
}

function and(keys: SearchKey[]): SearchKey {
  return keys.length === 1 ? keys[0] : (s) => keys.every((k) => k(s));
}

function dateKey(kind: string, day: number, timeOf: (s: SearchSubject) => number): SearchKey {
  return (s) => {
    const time = timeOf(s);
    if (Number.isNaN(time)) return false;
    const d = dayOf(time);
    return kind === 'BEFORE' ? d < day : kind === 'ON' ? d === day : d >= day;
  };
}
