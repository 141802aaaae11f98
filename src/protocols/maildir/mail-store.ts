import type { EventEmitter } from 'node:events';

/**
 * The contract between the mail protocols and where mail is kept: SMTP delivers into it, IMAP
 * reads and changes it. `MaildirStore` is the default implementation; another (a database, an
 * in-memory store for tests) implements the same interface.
 *
 * Mailbox names are IMAP's: `INBOX` (any case) is the user's main mailbox; others use `.` as
 * the hierarchy delimiter. Messages are identified by UID, unique and ascending within a
 * mailbox for as long as its `uidValidity` stays the same.
 */
export interface MailStore {
  /** Announces deliveries and appends (`'delivered'`, a `DeliveryEvent`), in this process only. */
  readonly events: EventEmitter;
  /** The hierarchy delimiter of mailbox names. */
  readonly delimiter: string;
  /** Stores `message` in `options.mailbox` (default INBOX) of `user`, then emits `'delivered'`. */
  deliver(user: string, message: Buffer, options?: DeliverOptions): Promise<DeliveryResult>;
  /** The user's mailboxes, INBOX first (it always exists). */
  mailboxes(user: string): Promise<string[]>;
  /** Creates an empty mailbox; a `MailStoreError` if the name is invalid. Creating one that exists does nothing. */
  createMailbox(user: string, mailbox: string): Promise<void>;
  /** The mailbox's messages, UIDs ascending; `claimRecent` makes this caller the one that sees them as recent. */
  messages(user: string, mailbox: string, options?: { claimRecent?: boolean }): Promise<MailboxSnapshot>;
  /** Counts without listing (IMAP STATUS). */
  status(user: string, mailbox: string): Promise<MailboxStatus>;
  /** The message's bytes with CRLF line ends, or undefined when it is gone. */
  read(user: string, mailbox: string, uid: number): Promise<Buffer | undefined>;
  /** Replaces the message's flags (system flags only: see `SYSTEM_FLAGS`); undefined when it is gone. */
  setFlags(user: string, mailbox: string, uid: number, flags: readonly string[]): Promise<StoredMessage | undefined>;
  /** Removes the messages flagged `\Deleted` (only those of `uids` when given); returns the UIDs removed. */
  expunge(user: string, mailbox: string, uids?: readonly number[]): Promise<number[]>;
}

/** The flags a Maildir keeps in a file name, IMAP spelling. */
export const SYSTEM_FLAGS: readonly string[] = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'];

/** Options of `MailStore.deliver`. */
export interface DeliverOptions {
  /** Default `INBOX`. */
  mailbox?: string;
  /** Initial flags (system flags; others are dropped). Default none. */
  flags?: readonly string[];
  /** IMAP's INTERNALDATE. Default: now. */
  internalDate?: Date;
}

/** What `deliver` assigned. */
export interface DeliveryResult {
  /** The mailbox it went to (`INBOX` spelled so, whatever case was asked for). */
  readonly mailbox: string;
  /** The UID the message got in that mailbox. */
  readonly uid: number;
  /** The mailbox's UIDVALIDITY, under which `uid` holds. */
  readonly uidValidity: number;
}

/** Emitted as `'delivered'` on `MailStore.events` after a message was stored. */
export interface DeliveryEvent extends DeliveryResult {
  /** The user whose mailbox got the message. */
  readonly user: string;
}

/** One message as listed. */
export interface StoredMessage {
  /** Its UID in the mailbox. */
  readonly uid: number;
  /** System flags, IMAP spelling. */
  readonly flags: readonly string[];
  /** Delivered since the mailbox was last claimed (IMAP's `\Recent`), as this caller sees it. */
  readonly recent: boolean;
  /** IMAP's INTERNALDATE: when it was delivered, or `DeliverOptions.internalDate`. */
  readonly internalDate: Date;
  /** Size in bytes with CRLF line ends (IMAP's RFC822.SIZE). */
  readonly size: number;
}

/** A mailbox's messages at one moment. */
export interface MailboxSnapshot {
  /** The mailbox's UIDVALIDITY: while it stays the same, a UID names the same message. */
  readonly uidValidity: number;
  /** The UID the next message stored will get: above every UID listed. */
  readonly uidNext: number;
  /** Its messages, UIDs ascending. */
  readonly messages: readonly StoredMessage[];
}

/** IMAP STATUS counts. */
export interface MailboxStatus {
  /** Messages in the mailbox. */
  readonly messages: number;
  /** Of those, the ones delivered since the mailbox was last claimed (`\Recent`). */
  readonly recent: number;
  /** Of those, the ones without the `\Seen` flag. */
  readonly unseen: number;
  /** The UID the next message stored will get. */
  readonly uidNext: number;
  /** The mailbox's UIDVALIDITY (see `MailboxSnapshot.uidValidity`). */
  readonly uidValidity: number;
}
