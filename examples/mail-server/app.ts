import { Module } from 'torsion';
import { ImapServerModule } from 'torsion/imap';
import { MaildirStore, type MailStore } from 'torsion/maildir';
import { SmtpServerModule } from 'torsion/smtp';
import type { TlsMaterial } from '../throwaway-tls';
import { checkLogin, type MailServerConfig } from './config';
import { MAIL_STORE, MaildirDelivery } from './maildir-delivery';
import { AccountUsers, MAIL_ACCOUNT, NoRelay } from './policies';

/**
 * SMTP and IMAP in one application over one store (issue 15's mail server): mail for
 * `<MAIL_USER>@torsion.test` sent to the SMTP listener is kept in the Maildir
 * `<root>/<user>/` by `MaildirDelivery`, and read (and pushed to IDLE clients) by the IMAP
 * listener. Local recipients are accepted from anyone without AUTH, as a mail exchanger does;
 * everyone else gets `550 5.1.1`, another domain `554 5.7.1` (no relaying). With `tls`, both
 * offer STARTTLS, and SMTP AUTH (PLAIN/LOGIN, over TLS only) takes the same account as IMAP
 * LOGIN (which the IMAP server allows in plaintext from loopback only).
 *
 * `store` defaults to a `MaildirStore` at `config.root`; it is a parameter so a caller (a test)
 * can keep a handle on it.
 */
export function mailServerModule(config: MailServerConfig, tls?: TlsMaterial, store: MailStore = new MaildirStore({ root: config.root })): new () => unknown {
  const { account } = config;
  // What the SMTP server's provider classes inject: the store and the account.
  class MailStoreModule {}
  Module({
    providers: [
      { provide: MAIL_STORE, useValue: store },
      { provide: MAIL_ACCOUNT, useValue: account },
    ],
    exports: [MAIL_STORE, MAIL_ACCOUNT],
  })(MailStoreModule);

  const smtp = SmtpServerModule.configure({
    port: config.smtpPort,
    hostname: `mail.${account.domain}`,
    localDomains: [account.domain],
    localUsers: AccountUsers,
    relay: NoRelay,
    delivery: MaildirDelivery,
    imports: [MailStoreModule],
    tls,
    authenticate: ({ username, password }) => checkLogin(account, username, password),
  });
  const imap = ImapServerModule.configure({
    port: config.imapPort,
    store,
    authenticate: (user, password) => checkLogin(account, user, password),
    tls,
  });

  class MailServerModule {}
  Module({ imports: [smtp, imap] })(MailServerModule);
  return MailServerModule;
}
