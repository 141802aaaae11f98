import type { RunnerLog } from '../dispatch/handler-runner';
import type { RequestSettings } from '../dispatch/request-settings';
import { ConnectionClosedError, OptionError, RequestError, RequestTimeoutError } from '../errors';
import type { DelayedCall } from '../reactor/delayed-call';
import type { Reactor } from '../reactor/reactor';
import type { CloseReason } from '../types';
import type { Connection } from '../transport/connection';
import { checkTimeout } from './request-settings';

/** Options of one `request()`. */
export interface RequestOptions {
  /** This request's timeout, ms on the reactor clock; 0: none. Default `@Protocol({ requests: { timeoutMs } })` (30 s). */
  timeoutMs?: number;
}

/** One request awaiting its reply. */
interface Pending {
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly id: unknown;
  timer: DelayedCall | undefined;
  /** Pipelined: timed out (rejected) but still owed a reply, which is dropped when it comes. */
  abandoned: boolean;
}

/** The connection as the request client uses it: the public contract plus the dispatcher's rate-limited log. */
type RequestConnection = Connection & RunnerLog;

/** Every live Requester, by its connection and by its protocol instance (handlers only know `this`). */
const requesters = new WeakMap<object, Requester>();

/** A compaction threshold for the pipelined queue's consumed head (amortised O(1) shifts). */
const COMPACT_AT = 64;

/**
 * The request/response side of one connection whose protocol declares `@Protocol({ requests })`
 * (Finagle's `Service[Req, Rep]`, Netty's request/response handlers): `request(frame)` writes a
 * frame through the codec and resolves with the frame that answers it.
 *
 * Replies are frames the codec decoded, matched as they are decoded, in stream order, ahead of
 * frames waiting for `@OnData`: one that answers a pending request resolves it and nothing else
 * sees it; one that answers none goes to `@OnData` in its turn (see `RequestsOptions`). Matching
 * is by position (pipelined: the oldest pending request) or by id (correlated). A request
 * client keeps reading while its own writes are blocked (a server stops reading then), so a
 * long pipeline cannot deadlock with a server whose replies back up.
 *
 * Timeouts run on the reactor clock, so `torsion/testing`'s virtual clock drives them. A
 * pipelined request that times out keeps its place in the queue: the server still owes its reply,
 * and dropping the place would hand that late reply to the next request and every later reply to
 * the request after its own. The place is freed when the late reply comes (it is dropped and
 * counted in `late`). When the connection closes, every pending request rejects with
 * `ConnectionClosedError`, and so does every later `request()`.
 *
 * Built by the framework when the connection opens, before `@OnConnect`; get it with
 * `Requester.of(connection)`, `app.connect(...)`'s `request`, or `app.client(P).request`.
 *
 * @typeParam Req the frames written (what the codec encodes).
 * @typeParam Rep the reply frames (what the codec decodes).
 */
export class Requester<Req = unknown, Rep = unknown> {
  /** Requests written. */
  sent = 0;
  /** Requests resolved with their reply. */
  answered = 0;
  /** Requests rejected with `RequestTimeoutError`. */
  timeouts = 0;
  /** Pipelined: replies that came after their request had timed out, dropped. */
  late = 0;
  /** Correlated: replies whose id matched no pending request (passed to `@OnData`, or dropped without one). */
  unmatched = 0;
  /** Pipelined: requests in reply order, from `head`. */
  private queue: Array<Pending | undefined> = [];
  private head = 0;
  /** Correlated: pending requests by id; created on the first request. */
  private byId: Map<unknown, Pending> | undefined;
  /** Set once the connection has closed: every pending request and every later one is rejected. */
  private closeReason: CloseReason | undefined;

  /** @internal Made for each connection of a protocol with `requests` (see install-requests.ts). */
  constructor(
    /** The connection requests are written to. */
    readonly connection: Connection,
    private readonly settings: RequestSettings,
    private readonly reactor: Reactor,
    /** The protocol class's name, for messages. */
    readonly protocol: string,
  ) {}

  /**
   * The Requester of `connection`, whose protocol declares `@Protocol({ requests })`; it exists
   * from the moment the connection opens (so `@OnConnect` may use it). Throws an OptionError when
   * the protocol declares no requests. The type parameters are asserted, not checked.
   */
  static of<Req = unknown, Rep = unknown>(connection: Connection): Requester<Req, Rep> {
    const found = requesters.get(connection);
    if (found === undefined) {
      throw new OptionError(`this connection's protocol declares no requests (or the connection has not opened yet: use it from @OnConnect on): add @Protocol({ requests: { ... } }) to make request() calls on it`);
    }
    return found as Requester<Req, Rep>;
  }

  /** @internal Makes `requester` findable by its connection and its protocol instance. */
  static register(requester: Requester, instance: object): void {
    requesters.set(requester.connection, requester);
    requesters.set(instance, requester);
  }

  /** @internal The Requester of a protocol instance, for the installed handlers. */
  static ofInstance(instance: object): Requester | undefined {
    return requesters.get(instance);
  }

  /** Correlated mode (replies matched by id) rather than pipelined. */
  get correlated(): boolean {
    return this.settings.replyId !== undefined;
  }

  /**
   * Requests holding a place: awaiting a reply, and (pipelined) timed out but still owed their
   * late reply. `maxPending` bounds it.
   */
  get pending(): number {
    return this.byId !== undefined ? this.byId.size : this.queue.length - this.head;
  }

  /**
   * Writes `frame` (encoded by the protocol's codec) and resolves with the reply frame.
   * Rejects with `RequestTimeoutError` (`timeoutMs` ran out), `ConnectionClosedError` (the
   * connection is not open, or closed before the reply), `RequestError`
   * (`TORSION_ERR_TOO_MANY_REQUESTS`, correlated `TORSION_ERR_REQUEST_ID` and
   * `TORSION_ERR_DUPLICATE_REQUEST_ID`, pipelined `TORSION_ERR_BAD_REPLY`), an `OptionError` for
   * a bad `timeoutMs`, or the codec's error when the frame cannot be encoded. Nothing is written
   * when it rejects at once.
   */
  request(frame: Req, options?: RequestOptions): Promise<Rep> {
    const timeoutMs = options?.timeoutMs ?? this.settings.timeoutMs;
    try {
      if (options?.timeoutMs !== undefined) checkTimeout(options.timeoutMs, 'request timeoutMs');
      const refusal = this.refusal();
      if (refusal !== undefined) return Promise.reject(refusal);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    let id: unknown;
    if (this.settings.requestId !== undefined) {
      try {
        id = this.settings.requestId(frame);
      } catch (error) {
        return Promise.reject(new RequestError('TORSION_ERR_REQUEST_ID', `reading the id of a ${this.protocol} request failed`, { cause: error }));
      }
      if (id === undefined || id === null) return Promise.reject(new RequestError('TORSION_ERR_REQUEST_ID', `a ${this.protocol} request has no id (correlate reads ${String(id)}): give every request an id its reply will carry`));
      if (this.byId?.has(id) === true) return Promise.reject(new RequestError('TORSION_ERR_DUPLICATE_REQUEST_ID', `a ${this.protocol} request with id ${String(id)} is already pending: ids must be unique among pending requests`));
    }
    return new Promise<Rep>((resolve, reject) => {
      const entry: Pending = { resolve: resolve as (reply: unknown) => void, reject, id, timer: undefined, abandoned: false };
      if (this.settings.replyId !== undefined) (this.byId ??= new Map()).set(id, entry);
      else this.queue.push(entry);
      // Armed before writing: the reply of an in-memory peer may come back within send().
      if (timeoutMs > 0) entry.timer = this.reactor.callLater(timeoutMs, () => this.timedOutEntry(entry, timeoutMs));
      try {
        this.connection.send(frame);
      } catch (error) {
        // Nothing was written, so no reply will come: the place is given back.
        entry.timer?.cancel();
        if (this.byId !== undefined) this.byId.delete(id);
        else this.queue.pop();
        reject(error as Error);
        return;
      }
      this.sent++;
    });
  }

  /** Why a request cannot be made now, or undefined. */
  private refusal(): Error | undefined {
    if (this.closeReason !== undefined || this.connection.state !== 'open') {
      const reason = this.closeReason ?? this.connection.closeReason;
      return new ConnectionClosedError(`cannot send a ${this.protocol} request: the connection is ${reason === undefined ? this.connection.state : `closed (${reason.kind})`}`, reason);
    }
    if (this.pending >= this.settings.maxPending) {
      return new RequestError('TORSION_ERR_TOO_MANY_REQUESTS', `${this.pending} ${this.protocol} requests are pending, the most allowed (maxPending ${this.settings.maxPending}): wait for replies, or raise @Protocol({ requests: { maxPending } })`);
    }
    return undefined;
  }

  /**
   * @internal A frame the codec decoded, before `@OnData`: true when it answered a request
   * (resolved it, or was the late reply of a timed-out pipelined one and is dropped); false when
   * it answers nothing and belongs to `@OnData`.
   */
  take(frame: unknown): boolean {
    const { replyId, push } = this.settings;
    if (replyId === undefined) {
      if (this.head === this.queue.length || (push !== undefined && push(frame))) return false;
      const entry = this.shift();
      if (entry.abandoned) this.late++;
      else this.answer(entry, frame);
      return true;
    }
    const id = replyId(frame);
    if (id === undefined || id === null) return false;
    const entry = this.byId?.get(id);
    if (entry === undefined) {
      this.unmatched++;
      return false;
    }
    (this.byId as Map<unknown, Pending>).delete(id);
    this.answer(entry, frame);
    return true;
  }

  /**
   * @internal Pipelined: a frame could not be decoded (the stream goes on). It was the oldest
   * request's reply, so that request fails with `TORSION_ERR_BAD_REPLY` and later replies stay
   * matched. False when no request was pending, or correlated (its id is unreadable, so its
   * request times out): the error goes to `@OnError` as usual.
   */
  failOldest(cause: Error): boolean {
    if (this.settings.replyId !== undefined || this.head === this.queue.length) return false;
    const entry = this.shift();
    if (entry.abandoned) this.late++;
    else this.settle(entry).reject(new RequestError('TORSION_ERR_BAD_REPLY', `the reply to a ${this.protocol} request could not be decoded: ${cause.message}`, { cause }));
    return true;
  }

  /** @internal The connection closed: every pending request rejects, and so will every later one. */
  closed(reason: CloseReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    const entries = this.byId !== undefined ? [...this.byId.values()] : (this.queue.slice(this.head) as Pending[]);
    this.byId?.clear();
    this.queue = [];
    this.head = 0;
    for (const entry of entries) {
      if (entry.abandoned) continue;
      this.settle(entry).reject(new ConnectionClosedError(`the ${this.protocol} connection closed (${reason.kind}${reason.error ? `: ${reason.error.message}` : ''}) before the reply came`, reason));
    }
  }

  /** @internal The connection's rate-limited log (for frames nobody takes). */
  get log(): RunnerLog {
    return this.connection as RequestConnection;
  }

  private timedOutEntry(entry: Pending, timeoutMs: number): void {
    entry.timer = undefined;
    this.timeouts++;
    if (this.byId !== undefined) this.byId.delete(entry.id);
    else entry.abandoned = true;
    entry.reject(new RequestTimeoutError(timeoutMs));
  }

  private answer(entry: Pending, reply: unknown): void {
    this.answered++;
    this.settle(entry).resolve(reply);
  }

  /** Cancels the entry's timer (it is settled another way). */
  private settle(entry: Pending): Pending {
    entry.timer?.cancel();
    entry.timer = undefined;
    return entry;
  }

  private shift(): Pending {
    const entry = this.queue[this.head] as Pending;
    this.queue[this.head++] = undefined;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AT && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return entry;
  }
}

/** `Requester.of(connection).request(frame, options)`, with "no requests declared" as a rejection rather than a throw. */
export function requestOn<Reply>(connection: Connection, frame: unknown, options?: RequestOptions): Promise<Reply> {
  let requester: Requester<unknown, Reply>;
  try {
    requester = Requester.of<unknown, Reply>(connection);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return requester.request(frame, options);
}
