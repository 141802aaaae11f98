import { TorsionError } from '../../../errors';
import type { SmtpReply } from './reply';

/** A recipient the server refused, and its reply. */
export interface RefusedRecipient {
  /** The recipient's address, as given to `sendMail`. */
  readonly recipient: string;
  /** The server's answer to its `RCPT TO` (a 4xx or 5xx). */
  readonly reply: SmtpReply;
}

/**
 * The server answered a command with a failure (4xx, 5xx) or an unexpected code (Twisted's
 * SMTPClientError): `replyCode` and `reply` are the server's, `command` what we sent.
 */
export class SmtpReplyError extends TorsionError {
  /** The server's three-digit reply code (e.g. 550). */
  readonly replyCode: number;
  /** True for a 4xx reply: trying again later may succeed. */
  readonly transient: boolean;

  constructor(
    /** The command answered (`'MAIL'`, `'RCPT'`, `'DATA'`, `'end of data'`, `'greeting'`...). */
    readonly command: string,
    /** The server's whole reply. */
    readonly reply: SmtpReply,
    /** For a message no recipient of which was accepted: each recipient and its refusal. */
    readonly refused: readonly RefusedRecipient[] = [],
  ) {
    super('TORSION_ERR_SMTP_REPLY', `the server answered ${command} with ${reply.code} ${reply.text.length > 200 ? `${reply.text.slice(0, 200)}...` : reply.text}`);
    this.replyCode = reply.code;
    this.transient = reply.code >= 400 && reply.code < 500;
  }
}

/**
 * What can go wrong in the client other than a server's refusal, by `code`:
 * `TORSION_ERR_SMTP_TLS_REQUIRED` (TLS was required and the server offers no STARTTLS),
 * `TORSION_ERR_SMTP_AUTH` (credentials were given and the server offers no AUTH PLAIN/LOGIN, or
 * only over plaintext), `TORSION_ERR_SMTP_CLOSED` (the connection closed before the reply),
 * `TORSION_ERR_SMTP_TIMEOUT` (no reply in time), `TORSION_ERR_SMTP_PROTOCOL` (a malformed reply).
 */
export class SmtpClientError extends TorsionError {
  constructor(
    code: 'TORSION_ERR_SMTP_TLS_REQUIRED' | 'TORSION_ERR_SMTP_AUTH' | 'TORSION_ERR_SMTP_CLOSED' | 'TORSION_ERR_SMTP_TIMEOUT' | 'TORSION_ERR_SMTP_PROTOCOL',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
