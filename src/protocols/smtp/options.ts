import * as os from 'node:os';
import { OptionError } from '../../errors';
import type { StartTlsOptions } from '../../transport/connection';
import type { SmtpCredentials } from './auth';
import type { Mailbox } from './address';

/**
 * The SMTP server's settings, as `SmtpServerModule.configure` takes them (minus the providers
 * and the listener's address). Every field has a default.
 */
export interface SmtpServerSettings {
  /** Our name, in the greeting, the EHLO reply and `Received:` headers. Default: `os.hostname()`. */
  hostname?: string;
  /** Domains whose mail we accept for local users (case-insensitive). Default: `[hostname]`. */
  localDomains?: readonly string[];
  /**
   * Whether a recipient of a local domain exists (`550 5.1.1` otherwise); may be async.
   * Default: every local part of a local domain is accepted. The default `LocalUsers`; a
   * `localUsers` provider (which may inject your mailbox store) replaces it.
   */
  isLocalUser?: (mailbox: Mailbox) => boolean | Promise<boolean>;
  /**
   * The largest message accepted, in bytes (the message as sent, dot-unstuffed, without our
   * `Received:` header). Advertised as `SIZE`, checked against `MAIL FROM ... SIZE=` and while
   * the message arrives: past it nothing more is kept and the end of the message is answered
   * `552 5.3.4`. Default 10 MiB.
   */
  maxMessageBytes?: number;
  /** Recipients per message; more get `452 4.5.3` (RFC 5321 requires accepting at least 100). Default 100. */
  maxRecipients?: number;
  /** Longest command line, line ending excluded; longer ones get `500 5.5.6`. Default 12286 (RFC 4954). */
  maxCommandLength?: number;
  /**
   * TLS material (`key`, `cert`, ...): STARTTLS is offered and `conn.startTls(tls)` upgrades.
   * Without it STARTTLS is neither offered nor accepted (`454 4.7.0`).
   */
  tls?: StartTlsOptions;
  /**
   * Checks `AUTH PLAIN`/`LOGIN` credentials; with it AUTH is offered (over TLS only, unless
   * `authRequiresTls` is false). May be async. A provider under `SMTP_AUTHENTICATOR` replaces it.
   */
  authenticate?: (credentials: SmtpCredentials) => boolean | Promise<boolean>;
  /** Refuse AUTH (and do not offer it) on a plaintext connection, so passwords never cross in clear. Default true. */
  authRequiresTls?: boolean;
  /**
   * A message with a bare CR or LF (RFC 5321 section 2.3.8 allows them only as CRLF): 'reject'
   * (default) answers `550 5.6.0`, so no message that another server could read differently
   * (SMTP smuggling) is taken; 'accept' takes it as it came.
   */
  bareLineEnds?: 'reject' | 'accept';
  /** A connection that sends nothing for this long gets `421 4.4.2` and is closed. Default 5 minutes (RFC 5321 section 4.5.3.2.7). */
  idleTimeoutMs?: number;
  /** The greeting's text after `220 hostname`. Default 'ESMTP torsion'. */
  greeting?: string;
}

/** The settings with every default applied, validated (what `SMTP_SERVER_CONFIG` holds). */
export interface SmtpServerConfig {
  /** Our name, in the greeting, the EHLO reply and `Received:` headers (default `os.hostname()`). */
  readonly hostname: string;
  /** Lower-cased. */
  readonly localDomains: readonly string[];
  /** `SmtpServerSettings.isLocalUser`, or undefined (every local part accepted). */
  readonly isLocalUser: ((mailbox: Mailbox) => boolean | Promise<boolean>) | undefined;
  /** The largest message accepted, in bytes, advertised as `SIZE` (default 10 MiB). */
  readonly maxMessageBytes: number;
  /** Recipients per message; more get `452 4.5.3` (default 100). */
  readonly maxRecipients: number;
  /** Longest command line in bytes, line ending excluded (default 12286, at least 510). */
  readonly maxCommandLength: number;
  /** The TLS material STARTTLS upgrades with; undefined: STARTTLS is not offered. */
  readonly tls: StartTlsOptions | undefined;
  /** `SmtpServerSettings.authenticate`, or undefined (AUTH not offered). */
  readonly authenticate: ((credentials: SmtpCredentials) => boolean | Promise<boolean>) | undefined;
  /** AUTH is offered and accepted only over TLS (default true). */
  readonly authRequiresTls: boolean;
  /** What a message with a bare CR or LF gets: 'reject' (default, `550 5.6.0`) or 'accept'. */
  readonly bareLineEnds: 'reject' | 'accept';
  /**
   * Silence, in ms, after which a connection gets `421 4.4.2` and is closed; also the longest a
   * command line may take to arrive (default 300000, 5 minutes; 0: never).
   */
  readonly idleTimeoutMs: number;
  /** The greeting's text after `220 hostname` (default 'ESMTP torsion'). */
  readonly greeting: string;
}

/** The injection token of the server's `SmtpServerConfig`. */
export const SMTP_SERVER_CONFIG = Symbol('SMTP_SERVER_CONFIG');

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new OptionError(`smtp: ${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

function fn<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new OptionError(`smtp: ${name} must be a function, got ${typeof value}`);
  return value;
}

/** Applies the defaults and validates; throws `OptionError` naming the field and the fix. */
export function smtpServerConfig(settings: SmtpServerSettings = {}): SmtpServerConfig {
  const hostname = settings.hostname ?? os.hostname();
  if (typeof hostname !== 'string' || !HOSTNAME.test(hostname)) throw new OptionError(`smtp: hostname must be a domain name (letters, digits, '-' and '.'), got ${JSON.stringify(hostname)}`);
  const domains = settings.localDomains ?? [hostname];
  if (!Array.isArray(domains) || domains.some((d) => typeof d !== 'string' || !HOSTNAME.test(d))) {
    throw new OptionError(`smtp: localDomains must be an array of domain names, got ${JSON.stringify(domains)}`);
  }
  const bare = settings.bareLineEnds ?? 'reject';
  if (bare !== 'reject' && bare !== 'accept') throw new OptionError(`smtp: bareLineEnds must be 'reject' or 'accept', got ${String(bare)}`);
  if (settings.tls !== undefined && (settings.tls === null || typeof settings.tls !== 'object')) throw new OptionError('smtp: tls must be node:tls options ({ key, cert })');
  const greeting = settings.greeting ?? 'ESMTP torsion';
  // eslint-disable-next-line no-control-regex
  if (typeof greeting !== 'string' || /[\x00-\x1f\x7f]/.test(greeting)) throw new OptionError('smtp: greeting must be text without control characters');
  return Object.freeze({
    hostname,
    localDomains: Object.freeze(domains.map((d) => d.toLowerCase())),
    isLocalUser: fn('isLocalUser', settings.isLocalUser),
    maxMessageBytes: integer('maxMessageBytes', settings.maxMessageBytes, 10 * 1024 * 1024, 1),
    maxRecipients: integer('maxRecipients', settings.maxRecipients, 100, 1),
    maxCommandLength: integer('maxCommandLength', settings.maxCommandLength, 12_286, 510),
    tls: settings.tls,
    authenticate: fn('authenticate', settings.authenticate),
    authRequiresTls: settings.authRequiresTls ?? true,
    bareLineEnds: bare,
    idleTimeoutMs: integer('idleTimeoutMs', settings.idleTimeoutMs, 300_000, 0),
    greeting,
  });
}
