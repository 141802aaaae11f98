import type { Socket } from 'node:net';
import { ProxyProtocolError } from '../errors';
import type { DelayedCall } from '../reactor/delayed-call';
import type { Reactor } from '../reactor/reactor';
import type { AcceptStream, BindContext, BindPlan } from './binder';
import { ProxyHeaderDecoder } from './proxy-header';
import type { ProxyProtocolSettings } from './proxy-settings';
import type { ListenerStats } from './listener-stats';
import type { ConnectionStats } from '../dispatch/stats';

/**
 * The accept path of a stream binder: `accept` itself for a plain listener — chosen once, at
 * bind time, so a listener without `proxyProtocol` pays nothing per socket or per read — or,
 * with `proxyProtocol`, a reader of the PROXY header that hands the socket on once it is read.
 */
export function streamAcceptor(plan: BindPlan, accept: AcceptStream, transport: string, context: BindContext): (socket: Socket) => void {
  const settings = plan.proxy;
  if (settings === undefined) return (socket) => accept(plan, socket, transport);
  return (socket) => new HeaderRead(socket, plan, accept, transport, context.reactor, settings);
}

const kRead = Symbol('torsion:proxy-header-read');
type ReadingSocket = Socket & { [kRead]?: HeaderRead };

/**
 * One socket whose PROXY header is being read: its 'data' until the header is whole (then the
 * socket, untouched otherwise, goes to `accept`), or a failure — a bad or missing header, the
 * peer closing first, `timeoutMs` on the reactor clock, the application stopping — which
 * destroys the socket, logs (rate-limited) and counts it. Nothing else reads the socket
 * meanwhile, so no byte of the header ever reaches a codec.
 */
class HeaderRead {
  private readonly decoder: ProxyHeaderDecoder;
  private readonly timer: DelayedCall;
  private readonly untrack: () => void;

  constructor(
    private readonly socket: Socket,
    private readonly plan: BindPlan,
    private readonly accept: AcceptStream,
    private readonly transport: string,
    private readonly reactor: Reactor,
    settings: ProxyProtocolSettings,
  ) {
    this.decoder = new ProxyHeaderDecoder(settings.accept, settings.maxHeaderBytes);
    (socket as ReadingSocket)[kRead] = this;
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    this.timer = reactor.callLater(settings.timeoutMs, () => this.fail(new ProxyProtocolError('timeout', `no complete PROXY protocol header within ${settings.timeoutMs} ms (${this.decoder.bufferedBytes} bytes received)`)));
    // app.close() while a header is awaited: the socket must not outlive the application.
    this.untrack = reactor.track(this);
  }

  /** The reactor is stopping: this socket never became a connection. */
  abort(): void {
    this.finish();
    this.plan.stats?.refuse('shutting_down');
    this.socket.destroy();
  }

  /** @internal */
  static data(socket: Socket, chunk: Buffer): void {
    const read = (socket as ReadingSocket)[kRead] as HeaderRead;
    let result;
    try {
      result = read.decoder.push(chunk);
    } catch (error) {
      read.fail(error instanceof ProxyProtocolError ? error : new ProxyProtocolError('malformed', `PROXY protocol header: ${String(error)}`, { cause: error }));
      return;
    }
    if (result === undefined) return;
    read.finish();
    read.accept(read.plan, socket, read.transport, result);
  }

  /** @internal */
  static ended(socket: Socket, error?: Error): void {
    const read = (socket as ReadingSocket)[kRead] as HeaderRead;
    const held = read.decoder.bufferedBytes;
    const what = error === undefined ? 'closed' : `failed (${error.message})`;
    read.fail(new ProxyProtocolError('ended', `the connection ${what} before a complete PROXY protocol header (${held} bytes received)`, { cause: error }));
  }

  private finish(): void {
    const socket = this.socket;
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    socket.removeListener('error', onError);
    delete (socket as ReadingSocket)[kRead];
    this.timer.cancel();
    this.untrack();
  }

  private fail(error: ProxyProtocolError): void {
    this.finish();
    const socket = this.socket;
    // A late 'error' from the destroyed socket must not go unhandled.
    socket.on('error', ignore);
    socket.destroy();
    countProxyRefusal(this.reactor, this.plan, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, error);
  }
}

/**
 * @internal
 * A connection closed for want of a valid PROXY header: counted in the listener's stats (and
 * its metrics endpoint `stats`), logged rate-limited. Shared with the testing kit.
 */
export function countProxyRefusal(reactor: Reactor, listener: { readonly table: { readonly name: string }; readonly limiter: { readonly stats: ListenerStats }; readonly stats?: ConnectionStats }, peer: string, error: ProxyProtocolError): void {
  listener.stats?.refuse('proxy_protocol');
  listener.limiter.stats.refused.proxyProtocol++;
  if (reactor.logLimiter.allow('PROXY protocol header refused')) {
    reactor.logger.warn({ protocol: listener.table.name, peer, err: error }, `closed a connection without a valid PROXY protocol header (${error.reason})`);
  }
}

function onData(this: Socket, chunk: Buffer): void {
  HeaderRead.data(this, chunk);
}
function onEnd(this: Socket): void {
  HeaderRead.ended(this);
}
function onError(this: Socket, error: Error): void {
  HeaderRead.ended(this, error);
}
function ignore(): void {}
