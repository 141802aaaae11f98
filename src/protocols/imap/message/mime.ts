/**
 * Just enough MIME (RFC 2045/2046, RFC 5322) to serve IMAP's FETCH: a message split into its
 * header and body, header fields unfolded, Content-Type read, multipart bodies split into their
 * parts and message/rfc822 parts parsed in turn. Works on a message with CRLF line ends (the
 * store serves them so). Parts nest at most `MAX_DEPTH` deep and a message has at most
 * `MAX_PARTS` parts: what lies beyond is kept as an opaque body.
 */

const MAX_DEPTH = 16;
const MAX_PARTS = 1000;
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** One header field: the name as written, its unfolded value, and its raw lines (with CRLF). */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
  readonly raw: Buffer;
}

/** A Content-Type: lower-cased type and subtype, parameters as written (names lower-cased). */
export interface ContentType {
  readonly type: string;
  readonly subtype: string;
  readonly params: ReadonlyArray<readonly [string, string]>;
}

/** A message or one part of it. */
export interface MimePart {
  /** The header, its closing blank line included (empty when the part has no header). */
  readonly header: Buffer;
  readonly body: Buffer;
  readonly fields: readonly HeaderField[];
  readonly contentType: ContentType;
  /** A multipart's parts (empty otherwise). */
  readonly parts: readonly MimePart[];
  /** A message/rfc822 part's message. */
  readonly message: MimePart | undefined;
}

/** Parses a whole message (CRLF line ends). */
export function parseMessage(data: Buffer): MimePart {
  return parsePart(data, { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] }, 0, { parts: 0 });
}

/** The first field named `name` (any case), unfolded, or undefined. */
export function fieldValue(part: MimePart, name: string): string | undefined {
  const lower = name.toLowerCase();
  return part.fields.find((f) => f.name.toLowerCase() === lower)?.value;
}

function parsePart(data: Buffer, defaultType: ContentType, depth: number, count: { parts: number }): MimePart {
  let headerEnd: number;
  if (data.subarray(0, 2).toString('latin1') === '\r\n') {
    headerEnd = 2;
  } else {
    const blank = data.indexOf(CRLFCRLF);
    headerEnd = blank === -1 ? data.length : blank + 4;
  }
  const header = data.subarray(0, headerEnd);
  const body = data.subarray(headerEnd);
  const fields = parseFields(header);
  const typeField = fields.find((f) => f.name.toLowerCase() === 'content-type');
  const contentType = (typeField === undefined ? undefined : parseContentType(typeField.value)) ?? defaultType;
  let parts: MimePart[] = [];
  let message: MimePart | undefined;
  if (depth < MAX_DEPTH) {
    if (contentType.type === 'multipart') {
      const boundary = contentType.params.find(([k]) => k === 'boundary')?.[1];
      if (boundary !== undefined && boundary !== '') {
        const childType: ContentType = contentType.subtype === 'digest' ? { type: 'message', subtype: 'rfc822', params: [] } : { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] };
        parts = splitMultipart(body, boundary).flatMap((chunk) => (++count.parts > MAX_PARTS ? [] : [parsePart(chunk, childType, depth + 1, count)]));
      }
    } else if (contentType.type === 'message' && contentType.subtype === 'rfc822') {
      message = parsePart(body, { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] }, depth + 1, count);
    }
  }
  return { header, body, fields, contentType, parts, message };
}

/** Header fields with folded lines joined; lines that are no field (no colon) are skipped. */
export function parseFields(header: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  let at = 0;
  while (at < header.length) {
    let end = header.indexOf('\r\n', at);
    if (end === -1) end = header.length;
    if (end === at) break; // the blank line
    let next = end + 2;
    // Continuation lines start with a space or a tab.
    while (next < header.length && (header[next] === 0x20 || header[next] === 0x09)) {
      const more = header.indexOf('\r\n', next);
      end = more === -1 ? header.length : more;
      next = end + 2;
    }
    const raw = header.subarray(at, Math.min(next, header.length));
    const text = header.toString('latin1', at, end);
    const colon = text.indexOf(':');
    if (colon > 0) fields.push({ name: text.slice(0, colon).trim(), value: text.slice(colon + 1).replace(/\r\n/g, '').trim(), raw });
    at = next;
  }
  return fields;
}

/** `type/subtype; name=value; name="quoted value"`; undefined when malformed. */
export function parseContentType(value: string): ContentType | undefined {
  const [head, params] = splitParams(value);
  const match = /^([^\s/;]+)\/([^\s/;]+)$/.exec(head.trim());
  if (match === null) return undefined;
  return { type: match[1].toLowerCase(), subtype: match[2].toLowerCase(), params };
}

/** The value before the first `;`, and the `name=value` parameters after it. */
export function splitParams(value: string): [string, Array<readonly [string, string]>] {
  const params: Array<readonly [string, string]> = [];
  let at = value.indexOf(';');
  const head = at === -1 ? value : value.slice(0, at);
  while (at !== -1 && at < value.length) {
    at++;
    const eq = value.indexOf('=', at);
    if (eq === -1) break;
    const name = value.slice(at, eq).trim().toLowerCase();
    let i = eq + 1;
    while (value[i] === ' ' || value[i] === '\t') i++;
    let paramValue = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        paramValue += value[i++];
      }
      i++;
      const semi = value.indexOf(';', i);
      at = semi;
    } else {
      const semi = value.indexOf(';', i);
      paramValue = value.slice(i, semi === -1 ? value.length : semi).trim();
      at = semi;
    }
    if (name !== '') params.push([name, paramValue]);
  }
  return [head, params];
}

/**
 * The parts of a multipart body: what lies between `--boundary` delimiter lines, the CRLF
 * before each delimiter belonging to the delimiter (RFC 2046 section 5.1.1), up to the
 * closing `--boundary--`.
 */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Buffer[] = [];
  // The first delimiter may start the body; later ones follow a CRLF.
  let at = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : indexOfDelimiter(body, delimiter, 0);
  while (at !== -1) {
    const afterDelimiter = at + (at === 0 && body[0] !== 0x0d ? 0 : 2) + delimiter.length;
    if (body[afterDelimiter] === 0x2d && body[afterDelimiter + 1] === 0x2d) break; // the closing delimiter
    const lineEnd = body.indexOf('\r\n', afterDelimiter);
    if (lineEnd === -1) break;
    const start = lineEnd + 2;
    const next = indexOfDelimiter(body, delimiter, start - 2);
    parts.push(body.subarray(start, next === -1 ? body.length : Math.max(start, next)));
    at = next;
  }
  return parts;
}

/** Where `CRLF--boundary` next occurs at or after `from`, pointing at its CR. */
function indexOfDelimiter(body: Buffer, delimiter: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const crlf = body.indexOf('\r\n', at);
    if (crlf === -1) return -1;
    if (body.subarray(crlf + 2, crlf + 2 + delimiter.length).equals(delimiter)) return crlf;
    at = crlf + 2;
  }
}
