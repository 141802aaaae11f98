import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import * as path from 'node:path';
import { OptionError, silentLogger } from 'torsion';
import type { MailStore } from 'torsion/maildir';
import { DeliveryError, MailMessage, SmtpSession, type MailEnvelope } from 'torsion/smtp';
import { createTestingApp, type TestingApp } from 'torsion/testing';
import { mailServerModule } from './app';
import { DEFAULT_MAIL_ROOT, checkLogin, mailServerConfig, type MailServerConfig } from './config';
import { MaildirDelivery } from './maildir-delivery';

/** A store that records deliveries (the SMTP side uses nothing else of it). */
function recordingStore(): { store: MailStore; delivered: Array<{ user: string; message: string }> } {
  const delivered: Array<{ user: string; message: string }> = [];
  const store = {
    events: new EventEmitter(),
    deliver: async (user: string, message: Buffer) => {
      delivered.push({ user, message: message.toString('latin1') });
      return { uid: delivered.length, uidValidity: 1, mailbox: 'INBOX' };
    },
  } as unknown as MailStore;
  return { store, delivered };
}

const config: MailServerConfig = mailServerConfig({ SMTP_PORT: '0', IMAP_PORT: '0', MAIL_ROOT: path.join(os.tmpdir(), 'unused') });

describe('mail-server configuration', () => {
  it('defaults: SMTP 2525, IMAP 1143, a root under the OS temp dir, user/secret at torsion.test', () => {
    expect(mailServerConfig({})).toEqual({
      smtpPort: 2525,
      imapPort: 1143,
      root: DEFAULT_MAIL_ROOT,
      account: { user: 'user', password: 'secret', domain: 'torsion.test' },
    });
    expect(path.dirname(DEFAULT_MAIL_ROOT)).toBe(os.tmpdir());
    expect(mailServerConfig({ SMTP_PORT: '25', IMAP_PORT: '143', MAIL_ROOT: 'mail', MAIL_USER: 'ann', MAIL_PASSWORD: 'pw' })).toEqual({
      smtpPort: 25,
      imapPort: 143,
      root: path.resolve('mail'),
      account: { user: 'ann', password: 'pw', domain: 'torsion.test' },
    });
  });

  it('refuses a bad port or a user name that is no safe directory', () => {
    expect(() => mailServerConfig({ SMTP_PORT: 'x' })).toThrow(OptionError);
    expect(() => mailServerConfig({ IMAP_PORT: '70000' })).toThrow(/IMAP_PORT must be a port number/);
    for (const user of ['../etc', 'a/b', '.hidden', 'a..b', 'x'.repeat(65)]) expect(() => mailServerConfig({ MAIL_USER: user })).toThrow(/MAIL_USER/);
  });

  it('checks logins against the one account', () => {
    expect(checkLogin(config.account, 'user', 'secret')).toBe(true);
    expect(checkLogin(config.account, 'user', 'secreT')).toBe(false);
    expect(checkLogin(config.account, 'user', 'secret2')).toBe(false);
    expect(checkLogin(config.account, 'other', 'secret')).toBe(false);
  });
});

describe('mail-server SMTP to store (in memory)', () => {
  let t: TestingApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('accepts the account and postmaster (any case) without AUTH, refuses others and relaying, and stores the message once', async () => {
    const { store, delivered } = recordingStore();
    t = createTestingApp(mailServerModule(config, undefined, store), { logger: silentLogger });
    const c = t.connect(SmtpSession, { peer: { address: '127.0.0.1' } });
    c.send('EHLO client.test\r\nMAIL FROM:<carol@elsewhere.test>\r\n');
    for (const rcpt of ['user@torsion.test', 'USER@Torsion.Test', 'postmaster@torsion.test', 'postmaster', 'bob@torsion.test', 'someone@elsewhere.example']) c.send(`RCPT TO:<${rcpt}>\r\n`);
    await c.settle();
    const rcptReplies = c.text().split('\r\n').filter((line) => /^(250 2\.1\.5|550|554)/.test(line));
    expect(rcptReplies).toEqual([
      '250 2.1.5 Recipient <user@torsion.test> OK',
      '250 2.1.5 Recipient <USER@torsion.test> OK',
      '250 2.1.5 Recipient <postmaster@torsion.test> OK',
      '250 2.1.5 Recipient <postmaster@torsion.test> OK',
      '550 5.1.1 <bob@torsion.test>: Recipient address rejected: User unknown',
      '554 5.7.1 <someone@elsewhere.example>: Relay access denied',
    ]);
    c.clear();
    c.send('DATA\r\n');
    await c.settle();
    c.send('Subject: hi\r\n\r\nhello\r\n.\r\n');
    await c.settle();
    expect(c.text()).toMatch(/^354 [^\r\n]*\r\n250 2\.0\.0 Ok: queued as \w+\r\n$/);
    expect(delivered).toHaveLength(1);
    expect(delivered[0].user).toBe('user');
    expect(delivered[0].message).toMatch(/^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mail\.torsion\.test with ESMTP id \w+;\r\n\t[^\r\n]+\r\nSubject: hi\r\n\r\nhello\r\n$/);
  });

  it('the adapter refuses (554, permanent) a recipient that has no local mailbox rather than dropping it', async () => {
    const { store, delivered } = recordingStore();
    const delivery = new MaildirDelivery(store, config.account);
    const envelope = { to: ['user@torsion.test', 'someone@elsewhere.example'] } as unknown as MailEnvelope;
    const error = await Promise.resolve(delivery.deliver(envelope, new MailMessage([Buffer.from('x\r\n')], 3))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ permanent: true, status: '5.1.1' });
    expect(delivered).toEqual([]);
  });
});
