import type { Socket } from 'node:net';
import { OptionError } from '../errors';
import type { Reactor } from '../reactor/reactor';
import type { ListenerStats, RefuseReason } from './listener-stats';

/** @internal The refusals a limit makes (the PROXY header reader makes the other). */
export type LimitReason = Exclude<RefuseReason, 'proxyProtocol'>;

/** @internal The limit options of `@Listen` (see `ListenOptions`), as the limiter reads them. */
export interface ConnectionLimits {
  readonly maxConnections?: number;
  readonly maxConnectionsPerPeer?: number;
  readonly refuseMessage?: string | Uint8Array;
}

/**
 * @internal
 * A refuse message is written once to a socket that is then closed: small enough to fit in any
 * socket's send buffer, so refusing never waits on a peer that does not read.
 */
export const MAX_REFUSE_MESSAGE_BYTES = 1024;

/** @internal What an admitted connection carries so its close gives its place back (see `release`). */
export interface LimitedConnection {
  /** @internal The limiter that counted this connection open; its close releases it. */
  limiter: ConnectionLimiter | undefined;
  /** The peer's address; on a listener with a per-peer limit it was read at accept, so it outlives the socket (the key is derived from it again). */
  readonly remoteAddress: string;
}

/**
 * @internal
 * The connection limits of one listener (`@Listen({ maxConnections, maxConnectionsPerPeer,
 * refuseMessage })`) and its `ListenerStats`. The one object both the real accept path
 * (`Application`) and the testing kit (`t.connect`) ask, so limits behave the same in memory.
 *
 * Use: `admit(address)` refuses (counting why) or counts the connection open; an admitted
 * connection is handed to `track`, and its transport's close calls `release(conn)`
 * exactly once, whatever the reason (including a protocol that failed to build: Twisted's
 * LimitConnectionsByPeer forgot those, twisted#12183). Per-peer counting costs a Map lookup per
 * accept and per close, and only on listeners that set `maxConnectionsPerPeer`; the Map holds
 * one entry per peer with open connections, so it is bounded by `open`. A connection keeps
 * only a reference to its limiter (one field): its key is derived again from its remote
 * address, the one `admit` was given (read from the same socket, which keeps it). Listeners
 * without a per-peer limit never read the peer's address.
 */
export class ConnectionLimiter {
  /** The counts, read by metrics. */
  readonly stats: ListenerStats = { accepted: 0, refused: { maxConnections: 0, maxConnectionsPerPeer: 0, proxyProtocol: 0 }, open: 0 };
  /** Written to a refused connection before it is closed; undefined: closed without a word. */
  readonly refuseMessage: Buffer | undefined;
  private readonly maxConnections: number;
  private readonly maxPerPeer: number;
  /** Open connections per peer key; only for a listener with a per-peer limit. */
  private readonly peers: Map<string, number> | undefined;

  /** Checks the options (throws `OptionError` naming `where` and the fix). */
  constructor(limits: ConnectionLimits, where: string) {
    this.maxConnections = checkLimit(limits.maxConnections, 'maxConnections', where);
    this.maxPerPeer = checkLimit(limits.maxConnectionsPerPeer, 'maxConnectionsPerPeer', where);
    this.peers = this.maxPerPeer === Infinity ? undefined : new Map();
    this.refuseMessage = checkRefuseMessage(limits.refuseMessage, where);
    if (this.refuseMessage !== undefined && this.maxConnections === Infinity && this.peers === undefined) {
      throw new OptionError(`${where}: refuseMessage is only sent to connections refused by a limit: set maxConnections or maxConnectionsPerPeer, or drop refuseMessage`);
    }
  }

  /** True when `admit` needs the peer's address (a per-peer limit); otherwise it is given undefined. */
  get countsPeers(): boolean {
    return this.peers !== undefined;
  }

  /** True when this listener limits anything (the default is unlimited). */
  get limited(): boolean {
    return this.maxConnections !== Infinity || this.peers !== undefined;
  }

  /**
   * The key `address` is counted under, or undefined when this listener has no per-peer limit.
   * An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, what a dual-stack listener reports for an
   * IPv4 peer) is the IPv4 peer itself.
   */
  peerKey(address: string | undefined): string | undefined {
    if (this.peers === undefined) return undefined;
    const peer = address ?? '';
    return peer.length > 7 && peer.charCodeAt(0) === 58 /* : */ && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(peer) ? peer.slice(7) : peer;
  }

  /**
   * Decides on a new connection from the peer `address` (undefined or '' when the socket cannot
   * tell, counted as one peer ''): returns why it is refused (and counts the refusal), or
   * undefined having counted it open. Existing connections are never affected either way.
   */
  admit(address: string | undefined): LimitReason | undefined {
    const stats = this.stats;
    if (stats.open >= this.maxConnections) {
      stats.refused.maxConnections++;
      return 'maxConnections';
    }
    if (this.peers !== undefined) {
      const key = this.peerKey(address) as string;
      const peers = this.peers as Map<string, number>;
      const count = peers.get(key) ?? 0;
      if (count >= this.maxPerPeer) {
        stats.refused.maxConnectionsPerPeer++;
        return 'maxConnectionsPerPeer';
      }
      peers.set(key, count + 1);
    }
    stats.accepted++;
    stats.open++;
    return undefined;
  }

  /**
   * Ties an admitted connection to this limiter: its transport's close calls `release` once. Its
   * `remoteAddress` must be what `admit` was given (both read from the same socket).
   */
  track(conn: LimitedConnection): void {
    conn.limiter = this;
  }

  /**
   * Gives back the place of an admitted connection (it closed, whatever the reason). Its address
   * is read only on a listener with a per-peer limit: elsewhere the socket may never have been
   * asked, and cannot tell once closed.
   */
  release(conn: Pick<LimitedConnection, 'remoteAddress'>): void {
    this.stats.open--;
    const peers = this.peers;
    if (peers === undefined) return;
    const key = this.peerKey(conn.remoteAddress) as string;
    const count = peers.get(key) ?? 0;
    // Deleting at zero keeps the map as small as the set of peers with open connections.
    if (count <= 1) peers.delete(key);
    else peers.set(key, count - 1);
  }

  /** Logs a refusal, rate-limited: a flood of refused connections must not flood the log. */
  logRefusal(reactor: Reactor, protocol: string, peer: string, reason: LimitReason): void {
    if (!reactor.logLimiter.allow('connection refused')) return;
    const limit = reason === 'maxConnections' ? this.maxConnections : this.maxPerPeer;
    reactor.logger.warn({ protocol, peer, reason }, `refused a connection to ${protocol} from ${peer}: ${reason} (${limit}) reached`);
  }
}

function checkLimit(value: unknown, name: string, where: string): number {
  if (value === undefined || value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new OptionError(`${where}: ${name} must be a positive integer (or absent for no limit), got ${String(value)}`);
  }
  return value;
}

function checkRefuseMessage(message: unknown, where: string): Buffer | undefined {
  if (message === undefined) return undefined;
  let bytes: Buffer;
  if (typeof message === 'string') bytes = Buffer.from(message, 'utf8');
  else if (message instanceof Uint8Array) bytes = Buffer.from(message); // a copy: the caller may reuse its buffer
  else throw new OptionError(`${where}: refuseMessage must be a string or bytes, got ${typeof message}`);
  if (bytes.length === 0) return undefined;
  if (bytes.length > MAX_REFUSE_MESSAGE_BYTES) {
    throw new OptionError(`${where}: refuseMessage is ${bytes.length} bytes, more than the ${MAX_REFUSE_MESSAGE_BYTES} allowed (it must fit in a socket's send buffer so refusing never waits)`);
  }
  return bytes;
}

/**
 * @internal
 * Refuses an accepted socket: writes `message` (if any), then ends it and closes it once the
 * bytes are out, without ever waiting on the peer (the message fits in the send buffer). What
 * the peer sends meanwhile is read and dropped, so closing does not reset the connection over
 * unread input (which could discard the message before the peer reads it).
 */
export function refuseSocket(socket: Socket, message: Buffer | undefined): void {
  socket.on('error', ignore); // a peer that resets first must not raise an uncaught 'error'
  if (message === undefined) socket.end();
  else socket.end(message);
  socket.resume();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', destroyAfterFlush);
}

function destroyAfterFlush(this: Socket): void {
  this.destroy();
}

function ignore(): void {}
