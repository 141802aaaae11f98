import * as net from 'node:net';
import * as tls from 'node:tls';
import type { AcceptStream, BindContext, BindPlan } from './binder';
import { streamAcceptor } from './proxy-reader';

/**
 * A TLS listener behind a PROXY header (HAProxy in TCP mode passing TLS through, with
 * send-proxy-v2): the header comes in plaintext before the ClientHello, so the server is a
 * plain `net.Server` whose sockets get the header read first, then a server-side `TLSSocket`
 * over them. Bytes that followed the header in its read (the ClientHello, often in the same
 * segment) are put back in the socket, where node:tls reads them first. Once the handshake is
 * done the socket is accepted as a `tls` connection with the header; a failed or late
 * handshake goes to `handshakeFailed`, as on a plain TLS listener.
 */
export function proxiedTlsServer(plan: BindPlan, accept: AcceptStream, context: BindContext, options: tls.TlsOptions, handshakeFailed: (error: Error, socket: tls.TLSSocket) => void): net.Server {
  const secureContext = tls.createSecureContext(options);
  const handshakeMs = options.handshakeTimeout ?? 10_000;
  const upgrade: AcceptStream = (_plan, socket, _transport, proxied) => {
    socket.pause();
    if (proxied?.rest !== undefined) socket.unshift(proxied.rest);
    const secure = new tls.TLSSocket(socket, { ...options, isServer: true, secureContext } as tls.TLSSocketOptions);
    const timer = context.reactor.callLater(handshakeMs, () => failed(new Error(`no TLS handshake within ${handshakeMs} ms`)));
    // app.close() during a handshake: the socket must not hold the listener open until the timeout.
    const untrack = context.reactor.track({ abort: () => failed(new Error('the application is closing')) });
    // The raw socket is half-open capable: a FIN alone ('end') would otherwise wait for the timeout.
    const closed = (): void => failed(new Error('the connection ended before the TLS handshake'));
    const done = (): void => {
      secure.removeListener('error', failed);
      secure.removeListener('close', closed);
      secure.removeListener('end', closed);
      timer.cancel();
      untrack();
      // The bytes after the header were TLS records, read by the handshake: none is left for the protocol.
      accept(plan, secure, 'tls', proxied === undefined ? undefined : { header: proxied.header, rest: undefined });
    };
    const failed = (error: Error): void => {
      secure.removeListener('secure', done);
      secure.removeListener('error', failed);
      secure.removeListener('close', closed);
      secure.removeListener('end', closed);
      // Errors after this one (the destroyed socket's) must not go unhandled.
      secure.on('error', ignore);
      timer.cancel();
      untrack();
      handshakeFailed(error, secure);
    };
    secure.once('secure', done);
    secure.once('error', failed);
    secure.once('close', closed);
    secure.once('end', closed);
  };
  return net.createServer({ allowHalfOpen: true }, streamAcceptor(plan, upgrade, 'tls', context));
}

function ignore(): void {}
