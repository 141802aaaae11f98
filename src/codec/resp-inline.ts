const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;

function isSpace(byte: number): boolean {
  // C's isspace(), plus NUL which ends an argument in Redis's C string.
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d) || byte === 0;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  return -1;
}

const ESCAPES: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07 };

/**
 * Splits an inline command (`SET key "hello world"`) into arguments the way Redis does
 * (`sdssplitargs`): whitespace separates; "double quotes" allow \n \r \t \b \a \\ \" and \xHH
 * escapes; 'single quotes' allow \'; a closing quote must be followed by whitespace or the end.
 *
 * Plain arguments are views of `buf`; only quoted ones are copied. Returns null when the
 * quotes are unbalanced (Redis: "Protocol error: unbalanced quotes in request").
 */
export function splitInlineArgs(buf: Buffer, start: number, end: number): Buffer[] | null {
  const args: Buffer[] = [];
  let p = start;
  while (true) {
    while (p < end && isSpace(buf[p])) p++;
    if (p >= end) return args;
    const tokenStart = p;
    while (p < end && !isSpace(buf[p]) && buf[p] !== DQUOTE && buf[p] !== SQUOTE) p++;
    if (p >= end || isSpace(buf[p])) {
      args.push(buf.subarray(tokenStart, p));
      continue;
    }
    // A quote: this argument needs unescaping, so it is assembled byte by byte.
    const bytes: number[] = [];
    for (let i = tokenStart; i < p; i++) bytes.push(buf[i]);
    p = quotedToken(buf, p, end, bytes);
    if (p < 0) return null;
    args.push(Buffer.from(bytes));
  }
}

/** Parses from the opening quote at `p` to the argument's end; returns the next position, or -1. */
function quotedToken(buf: Buffer, p: number, end: number, bytes: number[]): number {
  const quote = buf[p++];
  while (p < end) {
    const byte = buf[p];
    if (byte === quote) {
      p++;
      return p < end && !isSpace(buf[p]) ? -1 : p; // a closing quote must end the argument
    }
    if (byte === BACKSLASH && p + 1 < end) {
      const next = buf[p + 1];
      if (quote === DQUOTE) {
        const high = next === 0x78 && p + 3 < end ? hexValue(buf[p + 2]) : -1;
        const low = high >= 0 ? hexValue(buf[p + 3]) : -1;
        if (low >= 0) {
          bytes.push(high * 16 + low);
          p += 4;
        } else {
          bytes.push(ESCAPES[next] ?? next);
          p += 2;
        }
        continue;
      }
      if (next === SQUOTE) {
        bytes.push(SQUOTE);
        p += 2;
        continue;
      }
    }
    bytes.push(byte);
    p++;
  }
  return -1; // unterminated quotes
}

/** Anything but plain spaces between arguments: quotes, other whitespace, NUL. */
const NOT_PLAIN = /["'\t\n\v\f\r\0]/;

/**
 * The common inline command (`PING`, `GET key`), already decoded to a string: arguments split
 * on spaces. Returns null when the line needs the full rules of `splitInlineArgs` (quotes,
 * other whitespace, NUL), which then decide.
 */
export function splitPlainInline(text: string): string[] | null {
  if (NOT_PLAIN.test(text)) return null;
  const args: string[] = [];
  let from = 0;
  while (from < text.length) {
    const space = text.indexOf(' ', from);
    const end = space === -1 ? text.length : space;
    if (end > from) args.push(text.slice(from, end));
    from = end + 1;
  }
  return args;
}
