import { addHandler, addHandlerMisuse, type HandlerKind } from '../metadata';

function handler(kind: HandlerKind, name: string): () => MethodDecorator & PropertyDecorator {
  return () =>
    (prototype: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
      // On a field, an accessor or a static member the decorator still runs; record the misuse
      // so bootstrap reports it with the class name instead of throwing at import time.
      const isStatic = typeof prototype === 'function';
      if (isStatic || descriptor === undefined || typeof descriptor.value !== 'function') {
        const owner = isStatic ? (prototype as Function) : prototype.constructor;
        const what = isStatic ? 'a static member' : descriptor === undefined ? 'a property' : 'an accessor';
        addHandlerMisuse(owner, `@${name}() on ${String(key)}, which is ${what}, not a method`);
        return;
      }
      addHandler(prototype, { kind, method: key });
    };
}

/** Runs when a connection opens, before any frame (Twisted's connectionMade). */
export const OnConnect = handler('connect', 'OnConnect');
/**
 * Receives each frame in order; a returned value (or resolved promise) is encoded and written.
 *
 * @example
 * ```ts
 * @Protocol({ codec: lines() })
 * class Shout { @OnData() shout(line: string) { return line.toUpperCase(); } }
 * ```
 */
export const OnData = handler('data', 'OnData');
/** Runs once when the connection has closed, with its `CloseReason` (connectionLost). */
export const OnClose = handler('close', 'OnClose');
/** Receives a handler's or the codec's error; a returned value is written before the close. */
export const OnError = handler('error', 'OnError');
/** Runs when a full outgoing buffer has drained (`write` returned false before). */
export const OnDrain = handler('drain', 'OnDrain');
/**
 * Runs when the peer has finished sending (its FIN) and every frame it sent before has been
 * handled (Twisted's IHalfCloseableProtocol.readConnectionLost); a returned value is written.
 * With this handler the connection stays open for writing until the protocol ends it (`end()`,
 * or `endOutput()`, after which both directions are done and it closes). Without it, replies
 * to what the peer sent are written and then the connection ends.
 */
export const OnInputEnd = handler('inputEnd', 'OnInputEnd');
/**
 * Runs when an idle timeout of `@Protocol({ idle })` fires, with its kind: 'read' (nothing
 * read), 'write' (nothing written) or 'all' (neither), as Netty's IdleStateEvent. A returned
 * value is written and the connection stays open unless the handler ends it. Without it, an
 * idle connection ends with reason `timeout`.
 */
export const OnIdle = handler('idle', 'OnIdle');
/**
 * Runs once when the application shuts down gracefully (`app.close()`, a shutdown signal), in
 * the frames' order: after the frames already received and any handler in flight, with no new
 * frame taken. A returned value (or resolved promise) is written, e.g. `'421 shutting down'`;
 * then the connection ends (FIN). Not called on a connection that is already closing.
 */
export const OnShutdown = handler('shutdown', 'OnShutdown');
