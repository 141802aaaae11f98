import { Application, Connection, Listen, Module, OnClose, OnConnect, OnData, OnDrain, OnInputEnd, Protocol, inject } from 'torsion';

/** Where every accepted connection is relayed to. */
export interface ForwardTarget {
  readonly host: string;
  readonly port: number;
}
export const FORWARD_TARGET = Symbol('port-forward target');

/**
 * The outbound half (Twisted's portforward.ProxyClient): bytes from the target go to the
 * client. It reads nothing until paired with its inbound connection.
 */
@Protocol()
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
  closed(): void {
    this.inbound?.end();
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
@Protocol()
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
    const client = await this.app.connect(ProxyClient, { host: this.target.host, port: this.target.port, timeoutMs: 5000 });
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
  closed(): void {
    this.outbound?.conn.end();
  }
}

@Module({
  protocols: [ProxyServer, ProxyClient],
  providers: [{ provide: FORWARD_TARGET, useValue: { host: '127.0.0.1', port: 8000 } }],
})
export class PortForwardModule {}
