import { timingSafeEqual } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { OptionError } from 'torsion';

/** The one mail account of the example: `user@domain`, with its password for SMTP AUTH and IMAP LOGIN. */
export interface MailAccount {
  readonly user: string;
  readonly password: string;
  /** The local domain (lower-case): mail for `user@domain` is ours. */
  readonly domain: string;
}

/** What the example runs with, read from the environment by `mailServerConfig`. */
export interface MailServerConfig {
  readonly smtpPort: number;
  readonly imapPort: number;
  /** The Maildir root: mail for `<user>@<domain>` lands in `<root>/<user>/`. */
  readonly root: string;
  readonly account: MailAccount;
}

/** The local domain of the example. */
export const MAIL_DOMAIN = 'torsion.test';
/** MAIL_ROOT's default: a fixed directory under the OS temp dir, so mail outlives a restart. */
export const DEFAULT_MAIL_ROOT = path.join(os.tmpdir(), 'torsion-mail-server');

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new OptionError(`${name} must be a port number (0-65535), got ${JSON.stringify(text)}`);
  return value;
}

// A user name is a Maildir directory and an address's local part: keep it to what is safe as both.
const USER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Reads SMTP_PORT (default 2525), IMAP_PORT (1143), MAIL_ROOT (default `DEFAULT_MAIL_ROOT`),
 * MAIL_USER and MAIL_PASSWORD (default `user` / `secret`). Throws `OptionError` naming a bad one.
 */
export function mailServerConfig(env: NodeJS.ProcessEnv = process.env): MailServerConfig {
  const user = env.MAIL_USER || 'user';
  if (!USER.test(user) || user.includes('..')) throw new OptionError(`MAIL_USER must be letters, digits, '.', '_' or '-' (at most 64), got ${JSON.stringify(user)}`);
  return {
    smtpPort: port(env, 'SMTP_PORT', 2525),
    imapPort: port(env, 'IMAP_PORT', 1143),
    root: path.resolve(env.MAIL_ROOT || DEFAULT_MAIL_ROOT),
    account: { user, password: env.MAIL_PASSWORD || 'secret', domain: MAIL_DOMAIN },
  };
}

/** True when `user`/`password` are the account's (the password compared in constant time). */
export function checkLogin(account: MailAccount, user: string, password: string): boolean {
  const given = Buffer.from(password, 'utf8');
  const wanted = Buffer.from(account.password, 'utf8');
  const same = given.length === wanted.length && timingSafeEqual(given, wanted);
  return same && user === account.user;
}
