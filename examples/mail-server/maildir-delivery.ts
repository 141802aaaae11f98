import { inject, injectable } from 'tsyringe';
import type { MailStore } from 'torsion/maildir';
import { DeliveryError, parseMailbox, type MailEnvelope, type MailMessage, type MessageDelivery } from 'torsion/smtp';
import type { MailAccount } from './config';
import { MAIL_ACCOUNT, mailboxOwner } from './policies';

/** The injection token of the store SMTP delivers into and IMAP reads. */
export const MAIL_STORE = Symbol('MAIL_STORE');

/**
 * The SMTP to store adapter: each accepted message, as received (our `Received:` header, then
 * the client's bytes), goes into the INBOX of each local recipient's Maildir, once per mailbox
 * (`user@` and `postmaster@` are one). The store's `'delivered'` event then reaches the IMAP
 * sessions of this process (IDLE sees `EXISTS`). The client's `250` waits for the store, which
 * syncs the file before it resolves.
 */
@injectable()
export class MaildirDelivery implements MessageDelivery {
  constructor(
    @inject(MAIL_STORE) private readonly store: MailStore,
    @inject(MAIL_ACCOUNT) private readonly account: MailAccount,
  ) {}

  /** {@inheritDoc MessageDelivery.deliver} */
  async deliver(envelope: MailEnvelope, message: MailMessage): Promise<void> {
    const owners = new Set<string>();
    for (const address of envelope.to) {
      const mailbox = parseMailbox(address);
      const owner = mailbox === undefined ? undefined : mailboxOwner(this.account, mailbox);
      // The recipient policy let only local users through (no relaying): anything else is a bug
      // worth refusing loudly rather than a message silently dropped.
      if (owner === undefined) throw new DeliveryError(`No local mailbox for <${address}>`, { permanent: true, status: '5.1.1' });
      owners.add(owner);
    }
    const data = message.toBuffer();
    for (const owner of owners) await this.store.deliver(owner, data);
  }
}
