import type { ImapValue } from '../types';
import { parseAddressList } from './address';
import { fieldValue, splitParams, type MimePart } from './mime';

/**
 * ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 section 7.4.2) of a parsed message, as response
 * values. Header values are given as they are in the message (encoded words stay encoded, as
 * RFC 3501 asks).
 */

const str = (text: string | undefined): Buffer | null => (text === undefined ? null : Buffer.from(text, 'latin1'));

function addresses(part: MimePart, name: string, fallback?: string): ImapValue {
  const value = fieldValue(part, name) ?? (fallback === undefined ? undefined : fieldValue(part, fallback));
  if (value === undefined || value.trim() === '') return null;
  const list = parseAddressList(value);
  if (list.length === 0) return null;
  return list.map((a) => [str(a.name ?? undefined), null, str(a.mailbox ?? undefined), str(a.host ?? undefined)]);
}

/** The ENVELOPE of a message: date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, message-id. */
export function envelope(message: MimePart): ImapValue[] {
  return [
    str(fieldValue(message, 'date')),
    str(fieldValue(message, 'subject')),
    addresses(message, 'from'),
    addresses(message, 'sender', 'from'),
    addresses(message, 'reply-to', 'from'),
    addresses(message, 'to'),
    addresses(message, 'cc'),
    addresses(message, 'bcc'),
    str(fieldValue(message, 'in-reply-to')),
    str(fieldValue(message, 'message-id')),
  ];
}

function params(list: ReadonlyArray<readonly [string, string]>): ImapValue {
  return list.length === 0 ? null : list.flatMap(([k, v]) => [str(k), str(v)]);
}

function disposition(part: MimePart): ImapValue {
  const value = fieldValue(part, 'content-disposition');
  if (value === undefined) return null;
  const [kind, list] = splitParams(value);
  return [str(kind.trim()), params(list)];
}

function lineCount(body: Buffer): number {
  let lines = 0;
  for (let at = body.indexOf('\r\n'); at !== -1; at = body.indexOf('\r\n', at + 2)) lines++;
  // A last line without its CRLF is a line too.
  if (body.length > 0 && !(body[body.length - 2] === 0x0d && body[body.length - 1] === 0x0a)) lines++;
  return lines;
}

/** BODYSTRUCTURE (`extensible`) or BODY of a part. */
export function bodyStructure(part: MimePart, extensible: boolean): ImapValue[] {
  const type = part.contentType;
  if (type.type === 'multipart' && part.parts.length > 0) {
    const out: ImapValue[] = part.parts.map((child) => bodyStructure(child, extensible));
    // The parts are listed without separating spaces: `((...)(...) "MIXED")`.
    const structure: ImapValue[] = [{ adjacent: out }, str(type.subtype.toUpperCase())];
    if (extensible) structure.push(params(type.params), disposition(part), str(fieldValue(part, 'content-language')), str(fieldValue(part, 'content-location')));
    return structure;
  }
  const fields: ImapValue[] = [
    str(type.type.toUpperCase()),
    str(type.subtype.toUpperCase()),
    params(type.params),
    str(fieldValue(part, 'content-id')),
    str(fieldValue(part, 'content-description')),
    str((fieldValue(part, 'content-transfer-encoding') ?? '7BIT').toUpperCase()),
    part.body.length,
  ];
  if (type.type === 'message' && type.subtype === 'rfc822' && part.message !== undefined) {
    fields.push(envelope(part.message), bodyStructure(part.message, extensible), lineCount(part.body));
  } else if (type.type === 'text') {
    fields.push(lineCount(part.body));
  }
  if (extensible) fields.push(str(fieldValue(part, 'content-md5')), disposition(part), str(fieldValue(part, 'content-language')), str(fieldValue(part, 'content-location')));
  return fields;
}
