/**
 * `torsion/maildir`: the mail store the mail protocols share (`MailStore`) and its Maildir
 * implementation.
 *
 * @module torsion/maildir
 */
export { MailStoreError } from './errors';
export { SYSTEM_FLAGS, type DeliverOptions, type DeliveryEvent, type DeliveryResult, type MailStore, type MailboxSnapshot, type MailboxStatus, type StoredMessage } from './mail-store';
export { MaildirStore, type MaildirStoreOptions } from './maildir-store';
export { crlfSize, toCrlf } from './crlf';
