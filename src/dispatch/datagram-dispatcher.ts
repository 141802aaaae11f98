import type { DatagramCodec } from '../codec/datagram';
import { isThenable } from '../thenable';
import type { HandlerTable } from './handler-table';
import { HandlerRunner, type RunnerLog } from './handler-runner';

/** Who sent a datagram (where its reply goes). */
export interface DatagramSender {
  readonly address: string;
  readonly port: number;
}

/** What a datagram dispatcher sends through: the UDP socket. */
export interface DatagramTarget extends RunnerLog {
  /** Encodes `value` with the socket's codec and sends it to `to`; throws when it cannot be encoded. */
  send(value: unknown, to: DatagramSender): boolean;
}

/**
 * Dispatch for one datagram socket, on the shared handler core (`HandlerRunner`). Each datagram
 * is decoded on its own and handed to `@OnData(datagram, sender)`; the returned value goes back
 * to that sender. There is no stream to keep in order, so async handlers run concurrently, at
 * most `maxInFlight` at once: past that, datagrams are dropped (UDP may drop; a socket cannot
 * be paused without the kernel dropping them anyway). Everything that goes wrong concerns one
 * datagram only: `@OnError(error, sender)` answers it (or it is logged) and the socket goes on.
 */
export class DatagramDispatcher<S extends DatagramSender = DatagramSender> extends HandlerRunner<S> {
  private inFlight = 0;
  private stopped = false;
  private whenIdle: (() => void) | undefined;

  constructor(
    table: HandlerTable,
    instance: object,
    private readonly socket: DatagramTarget,
    private readonly codec: DatagramCodec,
    private readonly maxInFlight: number,
  ) {
    super(table, instance, socket);
  }

  /** `@OnConnect(socket)` once bound. A throw propagates (the bind fails); a rejection is logged. */
  start(socket: unknown): void {
    const { onConnect } = this.table;
    if (onConnect === undefined) return;
    const result = onConnect.call(this.instance, socket);
    if (isThenable(result)) result.then(undefined, (error: unknown) => this.endpoint.log.error({ err: error }, `${this.table.name}.${this.table.names.connect} failed`));
  }

  /** One datagram; false when it was dropped (stopping, or `maxInFlight` handlers in flight). */
  received(datagram: Buffer, sender: S): boolean {
    if (this.stopped || this.inFlight >= this.maxInFlight) return false;
    let decoded: unknown;
    try {
      decoded = this.codec.decode(datagram);
    } catch (error) {
      this.recover(error, undefined, sender);
      return true;
    }
    this.table.stats.framesIn++;
    this.invoke(this.table.onData, decoded, this.table.names.data, sender);
    return true;
  }

  /** Takes no more datagrams; resolves once no handler is in flight. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.whenIdle = resolve));
  }

  /** `@OnClose({ kind: 'done' })` once the socket is closed; a failure is logged. */
  async closed(): Promise<void> {
    const { onClose } = this.table;
    if (onClose === undefined) return;
    try {
      await onClose.call(this.instance, { kind: 'done' });
    } catch (error) {
      this.endpoint.log.error({ err: error }, `${this.table.name}.${this.table.names.close} failed`);
    }
  }

  protected send(value: unknown, sender: S): void {
    this.socket.send(value, sender);
  }

  protected peerOf(sender: S): string {
    return `${sender.address}:${sender.port}`;
  }

  protected awaitResult(result: PromiseLike<unknown>, name: string, sender: S): void {
    this.inFlight++;
    result.then(
      (value) => {
        this.settle();
        if (value !== undefined) this.reply(value, name, sender);
      },
      (error: unknown) => {
        this.settle();
        this.failed(error, name, sender);
      },
    );
  }

  /** Every failure concerns one datagram: answered or logged, never closing the socket. */
  protected failed(cause: unknown, handlerName: string | undefined, sender: S): void {
    this.recover(cause, handlerName, sender);
  }

  private settle(): void {
    if (--this.inFlight === 0) this.whenIdle?.();
  }
}
