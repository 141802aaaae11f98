import { inject, injectable } from 'tsyringe';
import type { Mailbox } from './address';
import { SMTP_SERVER_CONFIG, type SmtpServerConfig } from './options';

/**
 * Which recipients are ours: a recipient of a local domain that is no local user gets
 * `550 5.1.1`; one of another domain is relaying, for the `RelayPolicy` to decide.
 */
export interface RecipientPolicy {
  /** True when `domain` (lower-cased) is one we receive mail for. */
  isLocalDomain(domain: string): boolean;
  /** True when the local mailbox exists; may be async. */
  isLocalUser(mailbox: Mailbox): boolean | Promise<boolean>;
}

/** The injection token of the server's `RecipientPolicy`. */
export const RECIPIENT_POLICY = Symbol('RECIPIENT_POLICY');

/**
 * Which local mailboxes exist (a mailbox store's user list): what the default `RecipientPolicy`
 * asks about a recipient of a local domain. Provide it with `configure({ localUsers })` (a class
 * may inject your store) or give the `isLocalUser` function; without either, every user exists.
 */
export interface LocalUsers {
  /** True when the mailbox exists; may be async. */
  isLocalUser(mailbox: Mailbox): boolean | Promise<boolean>;
}

/** The injection token of the server's `LocalUsers`. */
export const LOCAL_USERS = Symbol('LOCAL_USERS');

/** The default `LocalUsers`: the `isLocalUser` function of the settings, or everyone. */
export function localUsersFrom(config: SmtpServerConfig): LocalUsers {
  const check = config.isLocalUser;
  return { isLocalUser: check === undefined ? () => true : (mailbox) => check(mailbox) };
}

/** The default `RecipientPolicy`: the settings' `localDomains`, and `LocalUsers` for who exists there. */
@injectable()
export class LocalRecipients implements RecipientPolicy {
  private readonly domains: ReadonlySet<string>;

  constructor(
    @inject(SMTP_SERVER_CONFIG) config: SmtpServerConfig,
    @inject(LOCAL_USERS) private readonly users: LocalUsers,
  ) {
    this.domains = new Set(config.localDomains);
  }

  /** {@inheritDoc RecipientPolicy.isLocalDomain} */
  isLocalDomain(domain: string): boolean {
    return this.domains.has(domain);
  }

  /** {@inheritDoc RecipientPolicy.isLocalUser} */
  isLocalUser(mailbox: Mailbox): boolean | Promise<boolean> {
    return this.users.isLocalUser(mailbox);
  }
}

/** What a `RelayPolicy` is asked about: a recipient outside our domains, and who asks. */
export interface RelayRequest {
  /** The recipient asked about (`RCPT TO`), outside our local domains. */
  readonly recipient: Mailbox;
  /** The transaction's reverse-path (`''` for `<>`). */
  readonly from: string;
  /** The client's IP address. */
  readonly remoteAddress: string;
  /** Whether the connection is over TLS (STARTTLS or a TLS listener). */
  readonly tls: boolean;
  /** The user `AUTH` authenticated, if any. */
  readonly authenticatedUser: string | undefined;
}

/**
 * Whether we accept mail for a domain that is not ours, to pass on (relaying). Refused ones get
 * `554 5.7.1 Relay access denied`. An open relay is a spam cannon: allow only whom you trust.
 */
export interface RelayPolicy {
  /** True to accept the recipient; may be async. */
  allowRelay(request: RelayRequest): boolean | Promise<boolean>;
}

/** The injection token of the server's `RelayPolicy`. */
export const RELAY_POLICY = Symbol('RELAY_POLICY');

/** The default `RelayPolicy`: only authenticated users relay (mail submission); nobody when AUTH is off. */
@injectable()
export class AuthenticatedRelay implements RelayPolicy {
  /** {@inheritDoc RelayPolicy.allowRelay} */
  allowRelay(request: RelayRequest): boolean {
    return request.authenticatedUser !== undefined;
  }
}
