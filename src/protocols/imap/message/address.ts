/**
 * RFC 5322 address lists as IMAP's ENVELOPE wants them: each address becomes
 * `(name adl mailbox host)`, a group `name: a, b;` a start marker `(NIL NIL name NIL)`, its
 * members, and an end marker `(NIL NIL NIL NIL)`. Tolerant: what it cannot read becomes a bare
 * mailbox, never an error.
 */

/** One ENVELOPE address (or group marker); absent parts are null. */
export interface EnvelopeAddress {
  readonly name: string | null;
  readonly mailbox: string | null;
  readonly host: string | null;
}

/** At most this many addresses per field are listed. */
const MAX_ADDRESSES = 1000;

/** Splits `value` at top-level commas (outside quotes, angle brackets and comments), keeping group colons. */
export function parseAddressList(value: string): EnvelopeAddress[] {
  const out: EnvelopeAddress[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  const flush = (): void => {
    const text = current.trim();
    current = '';
    if (text !== '' && out.length < MAX_ADDRESSES) pushAddress(text, out);
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\' && i + 1 < value.length) current += c + value[++i];
      else {
        if (c === '"') quoted = false;
        current += c;
      }
      continue;
    }
    if (comment > 0) {
      if (c === '(') comment++;
      else if (c === ')') comment--;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(') {
      comment++;
      continue;
    } else if (c === '<') angle++;
    else if (c === '>') angle = Math.max(0, angle - 1);
    else if (angle === 0 && c === ':' && !current.includes('@')) {
      // A group: its display name opens it.
      out.push({ name: null, mailbox: unquote(current.trim()), host: null });
      current = '';
      continue;
    } else if (angle === 0 && c === ';') {
      flush();
      out.push({ name: null, mailbox: null, host: null });
      continue;
    } else if (angle === 0 && c === ',') {
      flush();
      continue;
    }
    current += c;
  }
  flush();
  return out;
}

function pushAddress(text: string, out: EnvelopeAddress[]): void {
  const open = text.lastIndexOf('<');
  const close = text.lastIndexOf('>');
  let name: string | null = null;
  let spec = text;
  if (open !== -1 && close > open) {
    spec = text.slice(open + 1, close).trim();
    const display = unquote(text.slice(0, open).trim());
    name = display === '' ? null : display;
  }
  // A source route (`@a,@b:user@host`) is dropped: adl is NIL in what we list.
  const routeEnd = spec.startsWith('@') ? spec.indexOf(':') : -1;
  if (routeEnd !== -1) spec = spec.slice(routeEnd + 1);
  const at = spec.lastIndexOf('@');
  if (at === -1) out.push({ name, mailbox: spec === '' ? null : unquote(spec), host: null });
  else out.push({ name, mailbox: unquote(spec.slice(0, at)), host: spec.slice(at + 1) });
}

function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1).replace(/\\(.)/g, '$1');
  return text;
}
