import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Maildir file names (https://cr.yp.to/proto/maildir.html and Courier's Maildir++): a unique
 * base, `,W=<size>` (the size with CRLF line ends, as Dovecot writes it), then `:2,` and the
 * flag letters in ASCII order once the message is in cur/.
 */

/** Flag letter to IMAP flag, in the ASCII order the letters must appear in a name. */
const LETTERS: ReadonlyArray<readonly [string, string]> = [
  ['D', '\\Draft'],
  ['F', '\\Flagged'],
  ['R', '\\Answered'],
  ['S', '\\Seen'],
  ['T', '\\Deleted'],
];

let counter = 0;
// Host names may hold '/' or ':' (the flag separator); Maildir says to escape them.
const HOST = hostname().replace(/\//g, '\\057').replace(/:/g, '\\072') || 'localhost';

/** A name no other delivery (in this process or another, on this host or another) produces. */
export function uniqueName(size: number): string {
  const now = Date.now();
  const seconds = Math.floor(now / 1000);
  const micros = (now % 1000) * 1000;
  counter = (counter + 1) % 1_000_000_000;
  return `${seconds}.M${micros}P${process.pid}Q${counter}R${randomBytes(6).toString('hex')}.${HOST},W=${size}`;
}

/** The unique base of a file name: everything before `:2,` (the part a UID is bound to). */
export function baseOf(fileName: string): string {
  const colon = fileName.indexOf(':');
  return colon === -1 ? fileName : fileName.slice(0, colon);
}

/** The `W=` size recorded in a name, or undefined. */
export function sizeOf(fileName: string): number | undefined {
  const match = /,W=(\d+)/.exec(baseOf(fileName));
  return match === null ? undefined : Number(match[1]);
}

/** IMAP flags from the `:2,` suffix (unknown letters are ignored). */
export function flagsOf(fileName: string): string[] {
  const at = fileName.indexOf(':2,');
  if (at === -1) return [];
  const letters = fileName.slice(at + 3);
  return LETTERS.filter(([letter]) => letters.includes(letter)).map(([, flag]) => flag);
}

/** The cur/ name of `base` with `flags` (system flags, any case; others dropped). */
export function nameWithFlags(base: string, flags: readonly string[]): string {
  const wanted = new Set(flags.map((flag) => flag.toLowerCase()));
  const letters = LETTERS.filter(([, flag]) => wanted.has(flag.toLowerCase())).map(([letter]) => letter);
  return `${base}:2,${letters.join('')}`;
}
