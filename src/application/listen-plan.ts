import type { ListenOptions, ListenOverrides } from '../decorators/options';
import type { HandlerTable } from '../dispatch/handler-table';
import { idleTimes, type IdleDeclaration } from '../dispatch/idle-times';
import { BootstrapError, describe } from '../errors';
import { getListens } from '../metadata';
import type { BindPlan } from '../transport/binder';
import { ConnectionLimiter } from '../transport/connection-limiter';
import { socketSettings, type SocketSettings } from '../transport/socket-options';
import { proxyProtocolSettings, type ProxyProtocolSettings } from '../transport/proxy-settings';
import type { Constructor } from '../types';

// The types live with the other option types (a configured module's `listen` uses them too).
export type { ListenOverride, ListenOverrides } from '../decorators/options';

/** Overrides as one function: `ListenOverrides` normalised (a Map form is read once, here). */
export type ListenRewrite = (protocol: Constructor, options: ListenOptions, index: number) => ListenOptions;

/** `overrides` as a function; pairs are read once (they may be a one-shot iterable). */
export function listenRewrite(overrides: ListenOverrides): ListenRewrite {
  if (typeof overrides === 'function') return overrides;
  const byClass = new Map(overrides);
  return (protocol, options) => {
    const override = byClass.get(protocol);
    return override === undefined ? options : { ...options, ...override };
  };
}

/** @internal One listener to bind: a transport's `BindPlan` whose options are the checked `@Listen` options. */
export interface ListenPlan extends BindPlan {
  readonly options: ListenOptions;
}

const WILDCARDS = new Set([undefined, '', '0.0.0.0', '::']);

/**
 * Applies overrides and checks every listener before anything is bound. `moduleOverrides` are
 * those of the configured module serving each protocol (`DynamicModule.listen`); `overrides`
 * (bootstrap's) are applied after them, so they win.
 */
export function planListeners(
  tables: HandlerTable[],
  overrides: ListenOverrides | undefined,
  transports: ReadonlySet<string>,
  moduleOverrides: ReadonlyMap<Constructor, ListenRewrite> = new Map(),
): ListenPlan[] {
  const rewrite = overrides === undefined ? undefined : listenRewrite(overrides);
  const plans: ListenPlan[] = [];
  for (const table of tables) {
    const moduleRewrite = moduleOverrides.get(table.protocol);
    getListens(table.protocol).forEach((declared, index) => {
      let options: ListenOptions = { ...declared };
      if (moduleRewrite !== undefined) options = moduleRewrite(table.protocol, options, index);
      if (rewrite !== undefined) options = rewrite(table.protocol, options, index);
      // A path means a Unix socket; saying so twice is not required.
      const transport = options.transport ?? (options.path !== undefined ? 'unix' : 'tcp');
      if (!transports.has(transport)) {
        throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Listen on ${table.name} asks for transport '${transport}'; available: ${[...transports].join(', ')}`, { target: table.name });
      }
      if (transport === 'unix') {
        if (typeof options.path !== 'string' || options.path === '') {
          throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Listen on ${table.name} uses transport 'unix' and needs a socket file path: @Listen({ transport: 'unix', path: '/run/app.sock' })`, { target: table.name });
        }
      } else if (options.path !== undefined) {
        throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Listen on ${table.name} has a path but transport '${transport}': use transport 'unix' for a socket file, or a port`, { target: table.name });
      } else {
        const port = options.port;
        if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
          throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Listen on ${table.name} needs a port from 0 to 65535 (0 picks a free one), got ${String(port)}`, { target: table.name });
        }
      }
      const { limiter, socket } = listenerSettings(table.name, options, transport);
      let idle;
      try {
        idle = idleTimes(options.idle as IdleDeclaration | undefined, table.idle, `@Listen on ${table.name}`);
      } catch (error) {
        throw new BootstrapError('TORSION_ERR_INVALID_OPTION', (error as Error).message, { target: table.name, cause: error });
      }
      if (transport === 'udp' && options.idle !== undefined) {
        throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Listen on ${table.name} (udp): idle concerns connections; a UDP listener has none: remove it`, { target: table.name });
      }
      const proxy = listenerProxy(table.name, options, transport);
      plans.push({ table, options, transport, limiter, socket, idle, proxy });
    });
  }
  checkClashes(plans);
  return plans;
}

/** Options a UDP listener cannot honour: it has no connections to limit and no TCP socket. */
const STREAM_ONLY = ['maxConnections', 'maxConnectionsPerPeer', 'refuseMessage', 'noDelay', 'keepAlive', 'backlog'] as const;

/** Checks a listener's limits and socket options; a BootstrapError names the class and the fix. */
function listenerSettings(name: string, options: ListenOptions, transport: string): { limiter: ConnectionLimiter; socket: SocketSettings } {
  const where = `@Listen on ${name}`;
  if (transport === 'udp') {
    const given = STREAM_ONLY.filter((key) => options[key] !== undefined);
    if (given.length > 0) {
      throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where} (udp): ${given.join(', ')} concern connections and TCP sockets; a UDP listener has neither: remove ${given.length === 1 ? 'it' : 'them'}`, { target: name });
    }
  } else if (transport === 'unix' && options.maxConnectionsPerPeer !== undefined) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where} (unix): maxConnectionsPerPeer needs a peer address, and Unix socket peers have none: use maxConnections`, { target: name });
  }
  if (options.backlog !== undefined && (typeof options.backlog !== 'number' || !Number.isInteger(options.backlog) || options.backlog < 1)) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where}: backlog must be a positive integer (listen(2)'s queue of pending connections), got ${String(options.backlog)}`, { target: name });
  }
  try {
    return { limiter: new ConnectionLimiter(options, where), socket: socketSettings(options, transport, where) };
  } catch (error) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', describe(error), { target: name, cause: error });
  }
}

/**
 * `proxyProtocol` checked: a stream listener reading the header off the raw socket (TCP, Unix,
 * and TLS, whose handshake then follows the header).
 */
function listenerProxy(name: string, options: ListenOptions, transport: string): ProxyProtocolSettings | undefined {
  const where = `@Listen on ${name}`;
  let settings: ProxyProtocolSettings | undefined;
  try {
    settings = proxyProtocolSettings(options.proxyProtocol, where);
  } catch (error) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', describe(error), { target: name, cause: error });
  }
  if (settings !== undefined && transport === 'udp') {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where} (udp): proxyProtocol is read on stream listeners (tcp, tls, unix) only: remove it`, { target: name });
  }
  return settings;
}

/** Two listeners on one address would fail at bind time, half-started: refuse up front. */
function checkClashes(plans: ListenPlan[]): void {
  for (let i = 0; i < plans.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = plans[i].options;
      const b = plans[j].options;
      const sameFamily = (plans[i].transport === 'udp') === (plans[j].transport === 'udp');
      const clash =
        a.path !== undefined
          ? a.path === b.path
          : b.path === undefined && sameFamily && a.port !== 0 && a.port === b.port && (a.host === b.host || WILDCARDS.has(a.host) || WILDCARDS.has(b.host));
      if (clash) {
        const where = a.path ?? `${a.host ?? '*'}:${a.port}`;
        throw new BootstrapError(
          'TORSION_ERR_LISTEN_CLASH',
          `${plans[i].table.name} and ${plans[j].table.name} both listen on ${where}: give one of them another port (or override it in bootstrap options)`,
          { target: plans[i].table.name },
        );
      }
    }
  }
}
