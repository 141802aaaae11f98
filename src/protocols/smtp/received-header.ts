/**
 * The `Received:` trace header a server prepends to every message it accepts (RFC 5321
 * section 4.4), with the `with` keywords of RFC 3848 (ESMTP, ESMTPS over TLS, ESMTPA
 * authenticated, ESMTPSA both; SMTP after HELO).
 */

/** What the header records. */
export interface TraceInfo {
  readonly heloName: string;
  readonly remoteAddress: string;
  readonly hostname: string;
  readonly esmtp: boolean;
  readonly tls: boolean;
  readonly authenticated: boolean;
  readonly id: string;
  /** Named with `for` only when there is exactly one (more would disclose the others' addresses). */
  readonly recipients: readonly string[];
  readonly date: Date;
}

/** A peer-sent name made safe inside a header: no spaces, parentheses or control characters, bounded. */
function sanitize(name: string): string {
  const cut = name.length > 255 ? name.slice(0, 255) : name;
  return cut.replace(/[^A-Za-z0-9.\-_:[\]]/g, '?') || '?';
}

/** The address as a domain literal: `[192.0.2.1]`, `[IPv6:2001:db8::1]`. */
function literal(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return `[${address.slice(7)}]`;
  return address.includes(':') ? `[IPv6:${address}]` : `[${address || 'unknown'}]`;
}

/** RFC 5322 date-time in UTC: `Mon, 30 Nov 2026 12:12:48 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** The header, folded, ending with CRLF. */
export function receivedHeader(info: TraceInfo): Buffer {
  const protocol = `${info.esmtp ? 'ESMTP' : 'SMTP'}${info.esmtp && info.tls ? 'S' : ''}${info.esmtp && info.authenticated ? 'A' : ''}`;
  const forClause = info.recipients.length === 1 ? `\r\n\tfor <${info.recipients[0]}>` : '';
  const text = `Received: from ${sanitize(info.heloName)} (${literal(info.remoteAddress)})\r\n\tby ${info.hostname} with ${protocol} id ${info.id}${forClause};\r\n\t${rfc5322Date(info.date)}\r\n`;
  return Buffer.from(text, 'latin1');
}
