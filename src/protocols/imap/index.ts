/**
 * `torsion/imap`: an IMAP4rev1 server (RFC 3501 core, IDLE, LITERAL+) over a `MailStore`
 * (the Maildir store of `torsion/maildir`, re-exported here).
 *
 * @module torsion/imap
 */
export { imapCommands, imapServerCodec, type ImapCodecOptions } from './codec';
export { ImapSyntaxError, ImapTooLargeError } from './errors';
export { ImapServerModule, imapConfig } from './module';
export { IMAP_CONFIG, IMAP_PROTOCOL_OPTIONS, type ImapConfig, type ImapLoginInfo, type ImapServerOptions } from './options';
export { imapRouter } from './router';
export { ImapReplyFilter, ImapSession, type ImapState } from './session';
export type { ImapAdjacent, ImapCommand, ImapDone, ImapLiteralRequest, ImapReply, ImapRequest, ImapResponse, ImapToken, ImapValue } from './types';
export * from '../maildir/index';
