/**
 * The character classes of IMAP's grammar (RFC 3501 section 9) as the codec reads them, in one
 * place so that the decoder and the encoders agree on what an atom or a tag is.
 */

const SP = 0x20;
const DQUOTE = 0x22;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACE = 0x7b;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/**
 * An atom byte as this codec reads atoms: printable ASCII except the specials that start or end
 * another token. Broader than ATOM-CHAR on purpose: list wildcards (`%`, `*`: LIST patterns,
 * sequence sets), `\` (flags) and `]` (astrings) appear where commands take atoms.
 */
export function isAtomByte(c: number): boolean {
  return c > SP && c < 0x7f && c !== LPAREN && c !== RPAREN && c !== LBRACE && c !== DQUOTE;
}

/**
 * The end of the atom starting at `pos` in `line` (`pos` itself when there is none). A `[`
 * opens a section that runs to its `]` and may hold spaces and parentheses
 * (`BODY[HEADER.FIELDS (FROM TO)]<0.100>` is one atom); -1 when a section is not closed.
 */
export function atomEnd(line: Buffer, pos: number): number {
  let at = pos;
  while (at < line.length) {
    const c = line[at];
    if (c === LBRACKET) {
      let close = at + 1;
      while (close < line.length && line[close] !== RBRACKET && line[close] !== LBRACKET && line[close] >= SP && line[close] < 0x7f) close++;
      if (close >= line.length || line[close] !== RBRACKET) return -1;
      at = close + 1;
    } else if (isAtomByte(c)) {
      at++;
    } else {
      break;
    }
  }
  return at;
}

/** True when `text` is exactly one atom as `atomEnd` reads it (what the command encoder may write bare). */
export function isAtom(text: string): boolean {
  if (text.length === 0) return false;
  const bytes = Buffer.from(text, 'latin1');
  // Non-ASCII would not survive the latin1 round trip as the same JS string.
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e) return false;
  return atomEnd(bytes, 0) === bytes.length;
}

/** A tag: ASTRING-CHARs except `+` (RFC 3501), so no `%`, `*`, `\`, `(`, `)`, `{`, `"`. */
export function isTag(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= SP || c >= 0x7f || '(){%*"\\+'.includes(text[i])) return false;
  }
  return true;
}

/** A string that may be written quoted: 7-bit, no NUL, CR or LF (`"` and `\` are escaped). */
export function isQuotable(bytes: Buffer): boolean {
  for (const c of bytes) if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7e) return false;
  return true;
}

/** `"..."` with `"` and `\` escaped (call only when `isQuotable`). */
export function quote(bytes: Buffer): string {
  return `"${bytes.toString('latin1').replace(/["\\]/g, '\\$&')}"`;
}

/** A literal marker at the end of a line: `{n}` (synchronizing) or `{n+}` (LITERAL+); null when there is none. */
export function literalMarker(line: Buffer): { start: number; size: number; sync: boolean } | null {
  const end = line.length;
  if (end < 3 || line[end - 1] !== 0x7d) return null;
  let at = end - 2;
  const sync = line[at] !== 0x2b;
  if (!sync) at--;
  const digitsEnd = at + 1;
  while (at >= 0 && line[at] >= 0x30 && line[at] <= 0x39) at--;
  if (at < 0 || line[at] !== LBRACE || digitsEnd - (at + 1) === 0 || digitsEnd - (at + 1) > 15) return null;
  return { start: at, size: Number(line.toString('latin1', at + 1, digitsEnd)), sync };
}
