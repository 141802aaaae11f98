import { ImapSyntaxError } from './errors';
import { bodyStructure, envelope } from './message/fetch-structure';
import type { MimePart } from './message/mime';
import { parseSection, sectionBytes, type Section } from './message/sections';
import type { ImapToken, ImapValue } from './types';

/** One FETCH data item, parsed. */
export type FetchItem =
  | { readonly kind: 'simple'; readonly name: 'FLAGS' | 'UID' | 'RFC822.SIZE' | 'INTERNALDATE' | 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY' }
  | {
      readonly kind: 'section';
      /** The name in the response: `BODY[HEADER]<0>`, `RFC822`, `RFC822.HEADER`. */
      readonly label: string;
      readonly section: Section;
      /** Sets `\Seen` (BODY[...], RFC822, RFC822.TEXT; not BODY.PEEK or RFC822.HEADER). */
      readonly marksSeen: boolean;
      readonly partial: { readonly origin: number; readonly length: number } | undefined;
    };

const SIMPLE = new Set(['FLAGS', 'UID', 'RFC822.SIZE', 'INTERNALDATE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY']);
const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};
const WHOLE: Section = { path: [], spec: '', fields: [] };

/** Reads the items of FETCH (a macro, one item, or a list); an `ImapSyntaxError` with `tag` otherwise. */
export function parseFetchItems(token: ImapToken | undefined, tag: string): FetchItem[] {
  if (typeof token === 'string' && MACROS[token.toUpperCase()] !== undefined) return MACROS[token.toUpperCase()].map((name) => parseItem(name, tag));
  const list = Array.isArray(token) ? (token as readonly ImapToken[]) : [token];
  if (list.length === 0) throw new ImapSyntaxError(tag, 'FETCH needs data items');
  return list.map((item) => {
    if (typeof item !== 'string') throw new ImapSyntaxError(tag, 'FETCH data items are atoms, e.g. (FLAGS BODY.PEEK[])');
    return parseItem(item, tag);
  });
}

function parseItem(item: string, tag: string): FetchItem {
  const upper = item.toUpperCase();
  if (SIMPLE.has(upper)) return { kind: 'simple', name: upper as 'FLAGS' };
  if (upper === 'RFC822') return { kind: 'section', label: 'RFC822', section: WHOLE, marksSeen: true, partial: undefined };
  if (upper === 'RFC822.HEADER') return { kind: 'section', label: 'RFC822.HEADER', section: { path: [], spec: 'HEADER', fields: [] }, marksSeen: false, partial: undefined };
  if (upper === 'RFC822.TEXT') return { kind: 'section', label: 'RFC822.TEXT', section: { path: [], spec: 'TEXT', fields: [] }, marksSeen: true, partial: undefined };
  const match = /^(BODY(?:\.PEEK)?)\[([^\]]*)\](?:<(\d+)\.(\d+)>)?$/i.exec(item);
  const section = match === null ? undefined : parseSection(match[2]);
  if (match === null || section === undefined) throw new ImapSyntaxError(tag, `unknown FETCH item ${JSON.stringify(item.slice(0, 64))}`);
  const partial = match[3] === undefined ? undefined : { origin: Number(match[3]), length: Number(match[4]) };
  if (partial !== undefined && (!Number.isSafeInteger(partial.origin) || !Number.isSafeInteger(partial.length) || partial.length === 0)) {
    throw new ImapSyntaxError(tag, 'a partial fetch is <origin.length>, length > 0');
  }
  // The response names the section as the client asked for it, without PEEK.
  const label = `BODY[${match[2]}]${partial === undefined ? '' : `<${partial.origin}>`}`;
  return { kind: 'section', label, section, marksSeen: match[1].toUpperCase() === 'BODY', partial };
}

/** True when an item needs the message's bytes. */
export function needsContent(item: FetchItem): boolean {
  return item.kind === 'section' || item.name === 'ENVELOPE' || item.name === 'BODYSTRUCTURE' || item.name === 'BODY';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** IMAP's date-time, in UTC: `"17-Jul-1996 02:44:25 +0000"`. */
export function imapDateTime(date: Date): string {
  return `${String(date.getUTCDate()).padStart(2, ' ')}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Reads APPEND's date-time (`"17-Jul-1996 02:44:25 -0700"`); undefined when malformed. */
export function parseDateTime(text: string): Date | undefined {
  const match = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (match === null) return undefined;
  const month = MONTHS.findIndex((m) => m.toLowerCase() === match[2].toLowerCase());
  if (month === -1) return undefined;
  const offset = (match[7] === '-' ? -1 : 1) * (Number(match[8]) * 60 + Number(match[9]));
  const ms = Date.UTC(Number(match[3]), month, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6])) - offset * 60_000;
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** The value of a section item: its bytes, cut by a partial `<origin.length>`. */
export function sectionValue(item: Extract<FetchItem, { kind: 'section' }>, raw: Buffer, root: MimePart): ImapValue {
  const bytes = sectionBytes(raw, root, item.section);
  if (item.partial === undefined) return bytes;
  const { origin, length } = item.partial;
  return origin >= bytes.length ? Buffer.alloc(0) : bytes.subarray(origin, Math.min(bytes.length, origin + length));
}

/** ENVELOPE, BODY or BODYSTRUCTURE of a parsed message. */
export function structureValue(name: 'ENVELOPE' | 'BODY' | 'BODYSTRUCTURE', root: MimePart): ImapValue {
  if (name === 'ENVELOPE') return envelope(root);
  return bodyStructure(root, name === 'BODYSTRUCTURE');
}
