import { Module } from '../../decorators/module';
import type { DynamicModule, ModuleImport, ProtocolOptions, Provider } from '../../decorators/options';
import { OptionError } from '../../errors';
import type { Token } from '../../types';
import { SMTP_AUTHENTICATOR, type SmtpAuthenticator } from './auth';
import { MESSAGE_DELIVERY, type MessageDelivery } from './delivery';
import { SMTP_SERVER_CONFIG, smtpServerConfig, type SmtpServerConfig, type SmtpServerSettings } from './options';
import { AuthenticatedRelay, LOCAL_USERS, LocalRecipients, RECIPIENT_POLICY, RELAY_POLICY, localUsersFrom, type LocalUsers, type RecipientPolicy, type RelayPolicy } from './policies';
import { smtpCodec } from './smtp-codec';
import { SmtpRouter } from './smtp-router';
import { SMTP_PROTOCOL_OPTIONS, SmtpSession } from './smtp-session';

/** A provider given to `configure`: a class (built by the container, may inject services) or an instance. */
export type ProvidedBy<T> = (new (...args: any[]) => T) | T;

/** What `SmtpServerModule.configure` accepts: the server's settings, its listener, and its providers. */
export interface SmtpServerModuleOptions extends SmtpServerSettings {
  /** Where each accepted message goes (required): a class or an instance implementing `MessageDelivery`. */
  delivery: ProvidedBy<MessageDelivery>;
  /** Which local mailboxes exist (for the default recipient policy); default the `isLocalUser` function, or everyone. */
  localUsers?: ProvidedBy<LocalUsers>;
  /** Which recipients are ours; default `LocalRecipients` (`localDomains` + `localUsers`). */
  recipients?: ProvidedBy<RecipientPolicy>;
  /** Who may relay to other domains; default `AuthenticatedRelay` (authenticated users only). */
  relay?: ProvidedBy<RelayPolicy>;
  /** Modules whose exported providers the classes above inject (a mailbox store's module). */
  imports?: ModuleImport[];
  /** Default 25; 0 picks a free one (ask the Application which). */
  port?: number;
  /** Interface to listen on; default all. */
  host?: string;
  /** Open connections at most; past it `421 4.7.0` and closed. Default: no limit. */
  maxConnections?: number;
  /** Open connections one client address may have; past it `421 4.7.0` and closed. Default: no limit. */
  maxConnectionsPerPeer?: number;
}

/** The session's codec, router and timeouts for `config`. */
export function smtpProtocolOptions(config: SmtpServerConfig): ProtocolOptions {
  return {
    codec: smtpCodec({ maxCommandLength: config.maxCommandLength }),
    router: new SmtpRouter(),
    idle: { readMs: config.idleTimeoutMs },
    // A command line begun and not finished is held no longer than the idle timeout allows silence.
    frameTimeoutMs: config.idleTimeoutMs,
  };
}

function authenticatorFrom(config: SmtpServerConfig): SmtpAuthenticator | null {
  const check = config.authenticate;
  return check === undefined ? null : { authenticate: (credentials) => check(credentials) };
}

function provider<T>(name: string, token: Token, given: ProvidedBy<T>, method: string): Provider {
  if (typeof given === 'function') return { provide: token, useClass: given as new (...args: any[]) => T };
  if (given !== null && typeof given === 'object' && typeof (given as Record<string, unknown>)[method] === 'function') return { provide: token, useValue: given };
  throw new OptionError(`SmtpServerModule.configure: ${name} must be a class or an object with a ${method}() method`);
}

const REFUSED = '421 4.7.0 Too many connections, try again later\r\n';

/**
 * The SMTP server (`torsion/smtp`): `SmtpSession` on port 25 with its providers. Bootstrapped as
 * it is, it has no `MESSAGE_DELIVERY` and bootstrap fails naming that token: use
 * `SmtpServerModule.configure({ delivery, ... })`, or provide `MESSAGE_DELIVERY` yourself.
 */
@Module({
  protocols: [SmtpSession],
  providers: [
    { provide: SMTP_SERVER_CONFIG, useFactory: () => smtpServerConfig() },
    { provide: SMTP_PROTOCOL_OPTIONS, useFactory: smtpProtocolOptions, inject: [SMTP_SERVER_CONFIG] },
    { provide: LOCAL_USERS, useFactory: localUsersFrom, inject: [SMTP_SERVER_CONFIG] },
    { provide: RECIPIENT_POLICY, useClass: LocalRecipients },
    { provide: RELAY_POLICY, useClass: AuthenticatedRelay },
    { provide: SMTP_AUTHENTICATOR, useFactory: authenticatorFrom, inject: [SMTP_SERVER_CONFIG] },
  ],
  exports: [SMTP_SERVER_CONFIG],
})
export class SmtpServerModule {
  /**
   * The server configured by `options`. Throws `OptionError` for an invalid option or a missing
   * `delivery`, here rather than when the application starts.
   */
  static configure(options: SmtpServerModuleOptions): DynamicModule {
    if (options === null || typeof options !== 'object' || options.delivery === undefined) {
      throw new OptionError('SmtpServerModule.configure: `delivery` is required: a class or an object implementing MessageDelivery (where accepted messages go), e.g. a mailbox store\'s delivery or MemoryDelivery');
    }
    const { delivery, localUsers, recipients, relay, imports, port, host, maxConnections, maxConnectionsPerPeer, ...settings } = options;
    const config = smtpServerConfig(settings);
    const providers: Provider[] = [
      { provide: SMTP_SERVER_CONFIG, useValue: config },
      provider('delivery', MESSAGE_DELIVERY, delivery, 'deliver'),
    ];
    if (localUsers !== undefined) providers.push(provider('localUsers', LOCAL_USERS, localUsers, 'isLocalUser'));
    if (recipients !== undefined) providers.push(provider('recipients', RECIPIENT_POLICY, recipients, 'isLocalUser'));
    if (relay !== undefined) providers.push(provider('relay', RELAY_POLICY, relay, 'allowRelay'));
    const listen: Record<string, unknown> = {};
    if (port !== undefined) listen.port = port;
    if (host !== undefined) listen.host = host;
    if (maxConnections !== undefined) listen.maxConnections = maxConnections;
    if (maxConnectionsPerPeer !== undefined) listen.maxConnectionsPerPeer = maxConnectionsPerPeer;
    if (maxConnections !== undefined || maxConnectionsPerPeer !== undefined) listen.refuseMessage = REFUSED;
    return { module: SmtpServerModule, providers, imports, listen: [[SmtpSession, listen]] };
  }
}
