import type { DependencyContainer } from 'tsyringe';
import type { HandlerTable } from '../dispatch/handler-table';
import { ClientEndedError, ConnectError, ConnectionClosedError, describe } from '../errors';
import type { DelayedCall } from '../reactor/delayed-call';
import type { Reactor } from '../reactor/reactor';
import type { Connection } from '../transport/connection';
import type { ConnectTarget } from '../decorators/options';
import { describeTarget } from './dial';
import { openClient } from './open-client';
import type { ReconnectPolicy } from './reconnect-policy';
import { requestOn, type RequestOptions } from './requester';

/**
 * - connecting: an attempt is in progress;
 * - connected: `connection` and `protocol` are live;
 * - waiting: the next attempt is scheduled (`nextDelayMs` from now, on the reactor clock);
 * - disconnected: the connection dropped and the client does not reconnect (`reconnect: false`);
 * - gave-up: attempts failed past `maxRetries` (or the only attempt failed); `lastError` says why;
 * - stopped: `app.close()` (or `stop()`) ended it.
 */
export type ClientState = 'connecting' | 'connected' | 'waiting' | 'disconnected' | 'gave-up' | 'stopped';

const FINAL = new Set<ClientState>(['disconnected', 'gave-up', 'stopped']);

/**
 * One `@Connect` client: dials, serves each connection with a fresh protocol instance, and
 * reconnects per its policy. Every wait goes through `reactor.callLater`, so a virtual clock
 * drives it in tests. Owned by the reactor: `app.close()` stops it (the live connection is
 * shut down like any other). Read it with `app.client(Proto)`.
 */
// A Closeable for `reactor.own` (checked there; an implements clause would show that internal interface).
export class ReconnectingClient<T = object> {
  /** Where the client is; see `ClientState`. `onChange` and `when` observe its changes. */
  state: ClientState = 'connecting';
  /** Consecutive failed attempts (0 after a successful connection). */
  failures = 0;
  /** When the current connection opened (reactor clock), and the failures counted before it. */
  private connectedAt = 0;
  private failuresBefore = 0;
  /** Connections made so far. */
  connections = 0;
  /** The last attempt's error (a ConnectError, dropped right after opening included, or why the protocol could not be built). */
  lastError: Error | undefined;
  /** The wait before the scheduled attempt, while `waiting`. */
  nextDelayMs: number | undefined;
  /** The protocol instance serving the live connection, while `connected`; a fresh one per connection. */
  protocol: T | undefined;
  /** The live connection, while `connected`; undefined otherwise. */
  connection: Connection | undefined;
  private timer: DelayedCall | undefined;
  private readonly listeners = new Set<(state: ClientState, client: ReconnectingClient<T>) => void>();

  /** @internal Made by bootstrap for each `@Connect`. */
  constructor(
    private readonly container: DependencyContainer,
    private readonly reactor: Reactor,
    private readonly table: HandlerTable,
    /** Where it connects and how: the `@Connect` options, as declared. */
    readonly target: ConnectTarget,
    /** undefined: connect once, never retry. */
    private readonly policy: ReconnectPolicy | undefined,
    private readonly random: () => number = Math.random,
  ) {}

  /** The protocol class's name, for logs and errors. */
  get name(): string {
    return this.table.name;
  }

  /** Calls `listener` on every state change; returns the function that unsubscribes it. */
  onChange(listener: (state: ClientState, client: ReconnectingClient<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the client is (or next becomes) `state`; rejects if it ends in another final state first. */
  when(state: ClientState): Promise<this> {
    if (this.state === state) return Promise.resolve(this);
    if (FINAL.has(this.state)) return Promise.reject(new ClientEndedError(this.name, this.state, state, `${this.name} client is already '${this.state}', so it will never be '${state}'`, { cause: this.lastError }));
    return new Promise((resolve, reject) => {
      const off = this.onChange((now) => {
        if (now === state) {
          off();
          resolve(this);
        } else if (FINAL.has(now)) {
          off();
          reject(new ClientEndedError(this.name, now, state, `${this.name} client ended '${now}' while waiting for '${state}'${this.lastError ? `: ${this.lastError.message}` : ''}`, { cause: this.lastError }));
        }
      });
    });
  }

  /**
   * Writes `frame` on the live connection and resolves with its reply, for a protocol declaring
   * `@Protocol({ requests })` (see `Requester`). Requests are not queued across reconnects:
   * while the client is not `connected` this rejects with `ConnectionClosedError` (await
   * `when('connected')` first), and the requests pending on a connection that drops reject with
   * it too; requests after the reconnect go to the new connection.
   */
  request<Reply = unknown>(frame: unknown, options?: RequestOptions): Promise<Reply> {
    const connection = this.connection;
    if (this.state !== 'connected' || connection === undefined) {
      return Promise.reject(new ConnectionClosedError(`cannot send a ${this.name} request: the client is '${this.state}', not connected`, undefined));
    }
    return requestOn<Reply>(connection, frame, options);
  }

  /** @internal First attempt (bootstrap). */
  start(): void {
    this.attempt();
  }

  /** Stops reconnecting and cancels a scheduled attempt; a live connection is left to the reactor's shutdown. */
  close(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.state !== 'stopped') this.set('stopped');
    return Promise.resolve();
  }

  private attempt(): void {
    this.timer = undefined;
    this.nextDelayMs = undefined;
    if (this.state === 'stopped') return;
    this.set('connecting');
    openClient(this.container, this.reactor, this.table, this.target).then(
      ({ instance, connection }) => this.connected(instance as T, connection),
      (error: unknown) => this.failed(error as Error),
    );
  }

  private connected(instance: T, connection: Connection): void {
    if (this.state === 'stopped') {
      connection.destroy();
      return;
    }
    this.connectedAt = this.reactor.clock.now();
    this.failuresBefore = this.failures;
    this.failures = 0;
    this.connections++;
    this.lastError = undefined;
    this.protocol = instance;
    this.connection = connection;
    this.reactor.logger.info({ protocol: this.name }, `connected to ${describeTarget(this.target)}`);
    this.set('connected');
    void (connection as Connection & { finished: Promise<void> }).finished.then(() => this.disconnected());
  }

  private disconnected(): void {
    const closeReason = this.connection?.closeReason;
    this.protocol = undefined;
    this.connection = undefined;
    if (this.state === 'stopped') return;
    if (this.policy === undefined) {
      this.set('disconnected');
      return;
    }
    // A connection dropped at once (the server closes on accept, our @OnConnect throws) counts as
    // a failed attempt, so the delay grows and maxRetries applies instead of a tight loop.
    if (this.reactor.clock.now() - this.connectedAt < this.policy.initialDelayMs) {
      this.failures = this.failuresBefore;
      this.failed(new ConnectError('TORSION_ERR_CONNECT_DROPPED', `the connection to ${describeTarget(this.target)} closed right after it opened (${closeReason?.kind ?? 'closed'}${closeReason?.error ? `: ${closeReason.error.message}` : ''})`, { cause: closeReason?.error }));
      return;
    }
    this.schedule(this.policy.delay(0, this.random));
  }

  private failed(error: Error): void {
    if (this.state === 'stopped') return;
    this.lastError = error;
    this.failures++;
    if (this.policy === undefined || !this.policy.retries(this.failures)) {
      this.reactor.logger.error({ protocol: this.name, err: error }, `gave up connecting to ${describeTarget(this.target)} after ${this.failures} failed attempt(s)`);
      this.set('gave-up');
      return;
    }
    const delay = this.policy.delay(this.failures, this.random);
    this.reactor.logger.warn({ protocol: this.name }, `connecting to ${describeTarget(this.target)} failed (${describe(error)}); retrying in ${delay} ms`);
    this.schedule(delay);
  }

  private schedule(ms: number): void {
    this.nextDelayMs = ms;
    this.set('waiting');
    this.timer = this.reactor.callLater(ms, () => this.attempt());
  }

  private set(state: ClientState): void {
    this.state = state;
    for (const listener of [...this.listeners]) {
      try {
        listener(state, this);
      } catch (error) {
        this.reactor.logger.error({ protocol: this.name, err: error }, 'a client state listener failed');
      }
    }
  }
}
