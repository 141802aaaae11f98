import type { Socket } from 'node:net';
import { OptionError } from '../errors';

/** @internal The socket option fields of `@Listen` and `@Connect`/`app.connect` targets (see `ListenOptions`). */
export interface SocketOptionFields {
  readonly noDelay?: unknown;
  readonly keepAlive?: unknown;
}

/** @internal Socket options checked once (at bootstrap, or when `app.connect` is called), applied per socket. */
export interface SocketSettings {
  /** TCP_NODELAY: write small replies at once instead of waiting to coalesce them (Nagle). */
  readonly noDelay: boolean;
  /** SO_KEEPALIVE. */
  readonly keepAlive: boolean;
  /** Idle time before the first keep-alive probe, ms; 0: the system's default (Linux: 2 h). */
  readonly keepAliveInitialDelayMs: number;
}

/** @internal The defaults: no Nagle delay (as Netty and node's own http server), no keep-alive probes. */
export const DEFAULT_SOCKET_SETTINGS: SocketSettings = { noDelay: true, keepAlive: false, keepAliveInitialDelayMs: 0 };

/**
 * @internal
 * Checks `noDelay` and `keepAlive` (`false` | `true` | `{ initialDelayMs }`); throws `OptionError`
 * naming `where` and the fix. On a Unix socket neither means anything (no Nagle, no probes),
 * so setting one there is refused rather than silently ignored.
 */
export function socketSettings(options: SocketOptionFields, transport: string, where: string): SocketSettings {
  const { noDelay, keepAlive } = options;
  if (noDelay === undefined && keepAlive === undefined) return DEFAULT_SOCKET_SETTINGS;
  if (transport === 'unix') {
    throw new OptionError(`${where}: noDelay and keepAlive are TCP options and a Unix socket has neither: remove them, or use transport 'tcp'`);
  }
  if (noDelay !== undefined && typeof noDelay !== 'boolean') throw new OptionError(`${where}: noDelay must be true or false, got ${String(noDelay)}`);
  let on = false;
  let delay = 0;
  if (typeof keepAlive === 'boolean') {
    on = keepAlive;
  } else if (keepAlive !== undefined) {
    if (keepAlive === null || typeof keepAlive !== 'object') {
      throw new OptionError(`${where}: keepAlive must be true, false or { initialDelayMs }, got ${String(keepAlive)}`);
    }
    const initial = (keepAlive as { initialDelayMs?: unknown }).initialDelayMs;
    // The kernel counts whole seconds (TCP_KEEPIDLE), and 0 would mean "leave the default".
    if (initial !== undefined && (typeof initial !== 'number' || !Number.isInteger(initial) || initial < 1000 || initial % 1000 !== 0)) {
      throw new OptionError(`${where}: keepAlive.initialDelayMs must be a whole number of seconds in ms (1000 or more, a multiple of 1000), got ${String(initial)}`);
    }
    on = true;
    delay = (initial as number | undefined) ?? 0;
  }
  return { noDelay: (noDelay as boolean | undefined) ?? DEFAULT_SOCKET_SETTINGS.noDelay, keepAlive: on, keepAliveInitialDelayMs: delay };
}

/**
 * @internal
 * Applies checked settings to a connected socket (TCP, or TLS, whose socket passes them to the
 * TCP one beneath). On a Unix socket node ignores both, and the defaults are what it sets there.
 */
export function applySocketSettings(socket: Socket, settings: SocketSettings): void {
  socket.setNoDelay(settings.noDelay);
  // node's sockets start without keep-alive: a call is needed only to turn it on.
  if (settings.keepAlive) socket.setKeepAlive(true, settings.keepAliveInitialDelayMs);
}
