import type { MimePart } from './mime';

/** A parsed `BODY[section]`: the part path and what of it. */
export interface Section {
  /** Part numbers, `[]` for the message itself. */
  readonly path: readonly number[];
  /** '' (all of it), HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT or MIME. */
  readonly spec: '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  /** Field names (upper-cased) of HEADER.FIELDS[.NOT]. */
  readonly fields: readonly string[];
}

const MAX_PATH = 32;

/** Reads a section spec (`1.2.HEADER.FIELDS (FROM TO)`); undefined when malformed. */
export function parseSection(text: string): Section | undefined {
  let rest = text;
  const path: number[] = [];
  const numbers = /^(\d+(?:\.\d+)*)(?:\.|$)/.exec(rest);
  if (numbers !== null) {
    for (const n of numbers[1].split('.')) {
      const value = Number(n);
      if (!Number.isSafeInteger(value) || value < 1 || path.length >= MAX_PATH) return undefined;
      path.push(value);
    }
    rest = rest.slice(numbers[0].length);
    if (numbers[0].endsWith('.') && rest === '') return undefined;
  }
  const upper = rest.toUpperCase();
  if (upper === '' || upper === 'HEADER' || upper === 'TEXT') return { path, spec: upper, fields: [] };
  if (upper === 'MIME') return path.length === 0 ? undefined : { path, spec: 'MIME', fields: [] };
  const fields = /^(HEADER\.FIELDS(?:\.NOT)?) \(([^()]+)\)$/.exec(upper);
  if (fields === null) return undefined;
  const names = fields[2].split(' ');
  if (names.some((name) => name === '' || name.startsWith('"'))) return undefined;
  return { path, spec: fields[1] as 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT', fields: names };
}

/** The part at `path` (RFC 3501 section 6.4.5 numbering), or undefined when there is none. */
function partAt(root: MimePart, path: readonly number[]): MimePart | undefined {
  let current = root;
  for (const n of path) {
    // Below the top, a message/rfc822 part is numbered through its message.
    const container = current !== root && current.message !== undefined ? current.message : current;
    if (container.parts.length > 0) {
      const next = container.parts[n - 1];
      if (next === undefined) return undefined;
      current = next;
    } else if (n === 1) {
      current = container;
    } else {
      return undefined;
    }
  }
  return current;
}

/** The bytes of `section` of a message (`raw`, parsed as `root`); empty when the part does not exist. */
export function sectionBytes(raw: Buffer, root: MimePart, section: Section): Buffer {
  const empty = Buffer.alloc(0);
  const part = partAt(root, section.path);
  if (part === undefined) return empty;
  const top = section.path.length === 0;
  if (section.spec === '') return top ? raw : part.body;
  if (section.spec === 'MIME') return part.header;
  // HEADER and TEXT of a part are those of its message/rfc822 message.
  const message = top ? part : part.message;
  if (message === undefined) return empty;
  if (section.spec === 'HEADER') return message.header;
  if (section.spec === 'TEXT') return message.body;
  const wanted = new Set(section.fields);
  const keep = section.spec === 'HEADER.FIELDS';
  const chosen = message.fields.filter((f) => wanted.has(f.name.toUpperCase()) === keep).map((f) => f.raw);
  return Buffer.concat([...chosen.map((raw) => (raw.subarray(-2).toString('latin1') === '\r\n' ? raw : Buffer.concat([raw, Buffer.from('\r\n')]))), Buffer.from('\r\n')]);
}
