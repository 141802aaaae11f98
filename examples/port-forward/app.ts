import { Application, Connection, Listen, Module, OnClose, OnConnect, OnData, OnDrain, OnInputEnd, OptionError, Protocol, inject, type CloseReason, type DynamicModule, type ProtocolOptions } from 'torsion';

/** Where every accepted connection is relayed to. */
export interface ForwardTarget {
  readonly host: string;
  readonly port: number;
  /**
   * Send the target a PROXY protocol header naming the client (as HAProxy's send-proxy /
   * send-proxy-v2 do), so a target listening with `proxyProtocol` sees who really connected.
   */
  readonly proxyProtocol?: 'v1' | 'v2';
}
export const FORWARD_TARGET = Symbol('port-forward target');

/**
 * Both halves' protocol options: an idle timeout (`allMs`: nothing read and nothing written).
 * A relay whose target stalls stops reading from its client (backpressure), so it would never
 * see that client reset and would hold both sockets and their buffers forever; the timeout
 * frees them (as HAProxy's `timeout client` / `timeout server` do). Default 5 minutes.
 */
export const FORWARD_PROTOCOL_OPTIONS = Symbol('port-forward protocol options');
export const DEFAULT_IDLE_MS = 5 * 60_000;

function relayOptions(idleMs: number): ProtocolOptions {
  return { idle: { allMs: idleMs } };
}

/**
 * A close that was not clean (the peer reset, an idle timeout, an error) aborts the other side
 * too: its unsent bytes are for a peer that is gone. A clean one ends it (what was written
 * still leaves).
 */
function closeOther(other: Connection | undefined, reason: CloseReason): void {
  if (other === undefined) return;
  if (reason.kind === 'done') other.end();
  else other.destroy();
}

/**
 * The outbound half (Twisted's portforward.ProxyClient): bytes from the target go to the
 * client. It reads nothing until paired with its inbound connection.
 */
@Protocol({ options: FORWARD_PROTOCOL_OPTIONS })
export class ProxyClient {
  private inbound: Connection | undefined;

  constructor(readonly conn: Connection) {}

  @OnConnect()
  hold(): void {
    this.conn.pause();
  }

  pair(inbound: Connection): void {
    this.inbound = inbound;
    this.conn.resume();
  }

  @OnData()
  relay(chunk: Buffer): void {
    // The client reads slowly: stop reading from the target until its buffer drains.
    if (!(this.inbound as Connection).write(chunk)) this.conn.pause();
  }

  /** Our buffer towards the target drained: read from the client again. */
  @OnDrain()
  drained(): void {
    this.inbound?.resume();
  }

  /** The target finished sending: pass its FIN on to the client, keep relaying the other way. */
  @OnInputEnd()
  targetDone(): void {
    this.inbound?.endOutput();
  }

  @OnClose()
  closed(reason: CloseReason): void {
    closeOther(this.inbound, reason);
  }
}

/**
 * The inbound half (Twisted's portforward.ProxyServer): each accepted connection dials the
 * target and relays both ways, half-closes passed on (a FIN from one side ends the output
 * towards the other, the other direction goes on), with backpressure both ways: a full outgoing buffer (`write`
 * returns false) pauses the other side, `@OnDrain` resumes it, so memory stays bounded
 * whichever side is slow.
 */
@Listen(8080)
@Protocol({ options: FORWARD_PROTOCOL_OPTIONS })
export class ProxyServer {
  private outbound: ProxyClient | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly app: Application,
    @inject(FORWARD_TARGET) private readonly target: ForwardTarget,
  ) {}

  @OnConnect()
  async open(): Promise<void> {
    this.conn.pause(); // read nothing until the target is connected
    const { host, port, proxyProtocol } = this.target;
    // The header names our client (its remote end) and the address it reached (our local end).
    const client = await this.app.connect(ProxyClient, { host, port, timeoutMs: 5000, proxyProtocol: proxyProtocol === undefined ? undefined : { version: proxyProtocol, client: this.conn } });
    if (this.conn.state !== 'open') {
      client.connection.end();
      return;
    }
    this.outbound = client.protocol;
    client.protocol.pair(this.conn);
    this.conn.resume();
  }

  @OnData()
  relay(chunk: Buffer): void {
    const outbound = this.outbound as ProxyClient;
    if (!outbound.conn.write(chunk)) this.conn.pause();
  }

  /** Our buffer towards the client drained: read from the target again. */
  @OnDrain()
  drained(): void {
    this.outbound?.conn.resume();
  }

  /**
   * The client finished sending (`printf 'hi\n' | socat - TCP:...` does this at once): pass its
   * FIN on to the target and keep relaying the target's answer until the target ends too. Each
   * connection closes once both of its directions are done.
   */
  @OnInputEnd()
  clientDone(): void {
    this.outbound?.conn.endOutput();
  }

  @OnClose()
  closed(reason: CloseReason): void {
    closeOther(this.outbound?.conn, reason);
  }
}

/** What `PortForwardModule.configure` accepts. */
export interface PortForwardOptions {
  /** Where to relay; default 127.0.0.1:8000 (the echo example). */
  target?: ForwardTarget;
  /** Port and interface to listen on; default 8080 on all interfaces. */
  port?: number;
  host?: string;
  /** Close both sides after this long with nothing read or written (ms); default 5 minutes. */
  idleMs?: number;
}

@Module({
  protocols: [ProxyServer, ProxyClient],
  providers: [
    { provide: FORWARD_TARGET, useValue: { host: '127.0.0.1', port: 8000 } },
    { provide: FORWARD_PROTOCOL_OPTIONS, useValue: relayOptions(DEFAULT_IDLE_MS) },
  ],
})
export class PortForwardModule {
  /** The relay configured by `options` (target, listening address, idle timeout). */
  static configure(options: PortForwardOptions = {}): DynamicModule {
    const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    if (!Number.isFinite(idleMs) || idleMs <= 0) throw new OptionError(`port-forward: idleMs must be a positive number of ms, got ${idleMs}`);
    const listen = options.port !== undefined || options.host !== undefined ? [[ProxyServer, { port: options.port, host: options.host }] as const] : undefined;
    return {
      module: PortForwardModule,
      providers: [
        { provide: FORWARD_TARGET, useValue: options.target ?? { host: '127.0.0.1', port: 8000 } },
        { provide: FORWARD_PROTOCOL_OPTIONS, useValue: relayOptions(idleMs) },
      ],
      listen: listen as DynamicModule['listen'],
    };
  }
}
