import { inject, injectable } from 'tsyringe';
import type { LocalUsers, Mailbox, RelayPolicy } from 'torsion/smtp';
import type { MailAccount } from './config';

/** The injection token of the example's `MailAccount`. */
export const MAIL_ACCOUNT = Symbol('MAIL_ACCOUNT');

/**
 * The Maildir user a local part of the local domain delivers to: the account's own name (in any
 * case), and `postmaster`, which RFC 5321 section 4.5.1 requires every mail domain to accept,
 * as an alias of the one account. Undefined for anyone else (no such user).
 */
export function mailboxOwner(account: MailAccount, mailbox: Mailbox): string | undefined {
  if (mailbox.domain !== account.domain) return undefined;
  const name = mailbox.localPart.toLowerCase();
  return name === account.user.toLowerCase() || name === 'postmaster' ? account.user : undefined;
}

/** The SMTP server's `LocalUsers`: only the account (and postmaster) exist; others get `550 5.1.1`. */
@injectable()
export class AccountUsers implements LocalUsers {
  constructor(@inject(MAIL_ACCOUNT) private readonly account: MailAccount) {}

  /** {@inheritDoc LocalUsers.isLocalUser} */
  isLocalUser(mailbox: Mailbox): boolean {
    return mailboxOwner(this.account, mailbox) !== undefined;
  }
}

/**
 * Nobody relays, not even after AUTH: the example keeps mail, it has no outbound queue to pass
 * it on with, so a recipient of another domain is refused (`554 5.7.1`) rather than taken and lost.
 */
@injectable()
export class NoRelay implements RelayPolicy {
  /** {@inheritDoc RelayPolicy.allowRelay} */
  allowRelay(): boolean {
    return false;
  }
}
