/**
 * `torsion/imap`: an IMAP4rev1 server (RFC 3501 core, IDLE, LITERAL+) over a `MailStore`.
 */
export { imapCommands, imapServerCodec, type ImapCodecOptions } from './codec';
export { ImapSyntaxError, ImapTooLargeError } from './errors';
export type { ImapCommand, ImapDone, ImapLiteralRequest, ImapReply, ImapRequest, ImapResponse, ImapToken, ImapValue } from './types';
