/**
 * Parsing of `MAIL FROM:<path> params` and `RCPT TO:<path> params` (RFC 5321 section 4.1.2,
 * ESMTP parameters of RFC 1869). Strict where it protects us (no control or 8-bit characters
 * without SMTPUTF8, RFC 5321 section 4.5.3.1 lengths), lenient where real clients differ (a
 * space after the colon, a source route, which is ignored as the RFC says).
 */

/** A mailbox of an envelope: `local-part@domain`, the domain lower-cased. */
export interface Mailbox {
  /** The local part as sent (a quoted one keeps its quotes). */
  readonly localPart: string;
  /** The domain, lower-cased; an address literal (`[192.0.2.1]`) as sent. */
  readonly domain: string;
  /** `localPart@domain`. */
  readonly address: string;
}

/** A parsed `MAIL` or `RCPT` argument. */
export interface PathArgument {
  /** The mailbox, or undefined for the null reverse-path `<>` (bounces; `MAIL` only). */
  readonly mailbox: Mailbox | undefined;
  /** ESMTP parameters, keys upper-cased; a keyword without `=value` maps to `''`. */
  readonly params: ReadonlyMap<string, string>;
}

const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const QUOTED_LOCAL = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
const DOMAIN = /^(?=.{1,255}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ADDRESS_LITERAL = /^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]{2,45})\]$/;
const PARAM = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:=([\x21-\x3c\x3e-\x7e]+))?$/;
const SOURCE_ROUTE = /^@[^:,]+(?:,@[^:,]+)*:/;

/** Parses `local@domain`; undefined when it is not a valid mailbox. */
export function parseMailbox(text: string): Mailbox | undefined {
  if (text.length > 254) return undefined;
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return undefined;
  const localPart = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (localPart.length > 64 || !(LOCAL_ATOM.test(localPart) || QUOTED_LOCAL.test(localPart))) return undefined;
  if (!(DOMAIN.test(domain) || ADDRESS_LITERAL.test(domain))) return undefined;
  const lower = domain.startsWith('[') ? domain : domain.toLowerCase();
  return { localPart, domain: lower, address: `${localPart}@${lower}` };
}

/**
 * Parses the arguments of `MAIL` (`keyword` 'FROM') or `RCPT` ('TO'), joined back with spaces.
 * Returns the parsed argument, or a reason (for a 501 reply) when it is malformed. `<>` is
 * accepted as the null path; whether it is allowed is the caller's call. RCPT's `<postmaster>`
 * comes back with an empty domain, for the caller to complete.
 */
export function parsePath(keyword: 'FROM' | 'TO', argument: string): PathArgument | { readonly error: string } {
  const prefix = `${keyword}:`;
  if (argument.slice(0, prefix.length).toUpperCase() !== prefix) return { error: `Syntax: ${keyword === 'FROM' ? 'MAIL FROM' : 'RCPT TO'}:<address>` };
  const rest = argument.slice(prefix.length).trimStart();
  if (!rest.startsWith('<')) return { error: 'The address must be enclosed in <>' };
  const close = rest.indexOf('>');
  if (close === -1) return { error: 'The address must be enclosed in <>' };
  const inner = rest.slice(1, close).replace(SOURCE_ROUTE, '');
  const after = rest.slice(close + 1);
  if (after !== '' && !after.startsWith(' ')) return { error: 'Syntax error after the address' };
  const params = new Map<string, string>();
  for (const word of after.split(' ')) {
    if (word === '') continue;
    const match = PARAM.exec(word);
    if (match === null) return { error: `Bad parameter syntax: ${word.length > 40 ? `${word.slice(0, 40)}...` : word}` };
    params.set(match[1].toUpperCase(), match[2] ?? '');
  }
  if (inner === '') return { mailbox: undefined, params };
  if (keyword === 'TO' && inner.toLowerCase() === 'postmaster') return { mailbox: { localPart: inner, domain: '', address: inner }, params };
  const mailbox = parseMailbox(inner);
  if (mailbox === undefined) return { error: 'Bad address syntax' };
  return { mailbox, params };
}
