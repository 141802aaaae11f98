/** A server's reply: its code and its lines (a multi-line reply has several). */
export interface SmtpReply {
  /** The three-digit code. */
  readonly code: number;
  /** The text of each line, after the code and its separator. */
  readonly lines: readonly string[];
  /** The lines joined with '\n'. */
  readonly text: string;
  /** The RFC 3463 enhanced status code at the start of the last line (`2.1.0`), if any. */
  readonly status: string | undefined;
}

const STATUS = /^([245]\.\d{1,3}\.\d{1,3})(?: |$)/;

/** A reply from its code and lines. */
export function smtpReply(code: number, lines: readonly string[]): SmtpReply {
  const last = lines[lines.length - 1] ?? '';
  return { code, lines, text: lines.join('\n'), status: STATUS.exec(last)?.[1] };
}

/** The ESMTP extensions of an EHLO reply: keyword (upper-cased) to its parameters. */
export function extensionsOf(reply: SmtpReply): Map<string, string> {
  const extensions = new Map<string, string>();
  for (const line of reply.lines.slice(1)) {
    const space = line.indexOf(' ');
    const keyword = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    if (keyword !== '') extensions.set(keyword, space === -1 ? '' : line.slice(space + 1).trim());
  }
  return extensions;
}
