import { Registry } from 'prom-client';
import { Connection, Listen, Module, OnCommand, Protocol, UseFilters, UseGuards, UseInterceptors, injectable, resp, respError, respSimple, type DynamicModule, type RespReply } from 'torsion';
import { Authenticated, KV_PASSWORD, NoAuthReply, PasswordCheck, type Authenticable } from './auth';
import { CommandMetrics, CommandTiming, KV_METRICS_REGISTRY } from './timing';

export { KV_PASSWORD } from './auth';
export { KV_METRICS_REGISTRY } from './timing';

const OK = respSimple('OK');
const WRONGPASS = respError('WRONGPASS invalid username-password pair or user is disabled.');

/** The keyspace, shared by every connection. */
@injectable()
export class KvStore {
  readonly values = new Map<string, string>();
}

/**
 * A small password-protected key-value server speaking RESP, so redis-cli talks to it
 * (`redis-cli -p 6381 -a secret SET k v`): AUTH, PING, GET, SET, DEL, QUIT.
 *
 * - `Authenticated` (a guard on the class) denies every command but AUTH and QUIT until the
 *   connection has given the password; `NoAuthReply` (a filter) answers the denial with Redis's
 *   `-NOAUTH Authentication required.`, and the connection goes on.
 * - `CommandTiming` (an interceptor) times every command that passed the guard into the
 *   `kv_command_duration_seconds` histogram, served on `/metrics` with torsion's own metrics
 *   when the application is bootstrapped with `metrics` and the same registry (see main.ts).
 */
@Listen(6381)
@UseGuards(Authenticated)
@UseFilters(NoAuthReply)
@UseInterceptors(CommandTiming)
@Protocol({ codec: resp({ output: 'string' }) })
export class KvAuth implements Authenticable {
  authenticated = false;

  constructor(
    private readonly store: KvStore,
    private readonly passwords: PasswordCheck,
    private readonly conn: Connection,
  ) {}

  /** AUTH password, or Redis 6's AUTH username password with the one user there is, `default`. */
  @OnCommand('AUTH', { minArgs: 1, maxArgs: 2 }) auth(...credentials: string[]): RespReply {
    const [user, password] = credentials.length === 2 ? credentials : ['default', credentials[0]];
    // Both checks run whatever the user, so a wrong user name takes as long as a wrong password.
    if (!(this.passwords.matches(password) && user === 'default')) return WRONGPASS; // as in Redis, a connection already in stays in
    this.authenticated = true;
    return OK;
  }

  @OnCommand('PING', { maxArgs: 1 }) ping(message?: string): RespReply {
    return message ?? respSimple('PONG');
  }

  @OnCommand('GET', { minArgs: 1, maxArgs: 1 }) get(key: string): string | null {
    return this.store.values.get(key) ?? null;
  }

  @OnCommand('SET', { minArgs: 2, maxArgs: 2 }) set(key: string, value: string): RespReply {
    this.store.values.set(key, value);
    return OK;
  }

  /** DEL key...: how many existed. */
  @OnCommand('DEL', { minArgs: 1 }) del(...keys: string[]): number {
    return keys.filter((key) => this.store.values.delete(key)).length;
  }

  /** +OK, then the connection closes. */
  @OnCommand('QUIT') quit(): void {
    this.conn.send(OK);
    this.conn.end();
  }
}

/** What `KvAuthModule.configure` takes. */
export interface KvAuthConfig {
  /** The password of `AUTH`. */
  password: string;
  /** Where `kv_command_duration_seconds` is registered: pass the registry `bootstrap(M, { metrics: { registry } })` serves. Default a registry of its own. */
  registry?: Registry;
  /** Overrides the listener's port. */
  port?: number;
}

/** kv-auth; configure it with the password (no default: a server open to anyone by mistake is worse than one that does not start). */
@Module({ protocols: [KvAuth], providers: [KvStore, PasswordCheck, CommandMetrics, CommandTiming] })
export class KvAuthModule {
  static configure({ password, registry = new Registry(), port }: KvAuthConfig): DynamicModule {
    return {
      module: KvAuthModule,
      providers: [
        { provide: KV_PASSWORD, useValue: password },
        { provide: KV_METRICS_REGISTRY, useValue: registry },
      ],
      listen: port === undefined ? undefined : [[KvAuth, { port }]],
    };
  }
}
