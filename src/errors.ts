import type { CloseReason } from './types';

/**
 * The typed errors users can catch. Every error has a stable `code` (listed in
 * docs/error-codes.md), carries the numbers involved as fields, and chains its cause.
 */
export class TorsionError extends Error {
  /** Stable identifier of the failure, `TORSION_ERR_*` (docs/error-codes.md): match on it, never on the message. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The application graph is invalid; thrown by `bootstrap` before any port is bound. */
export class BootstrapError extends TorsionError {
  /** The class the problem is about (protocol, provider or module), when there is one. */
  readonly target: string | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; target?: string }) {
    super(code, message, options);
    this.target = options?.target;
  }
}

/** An option passed to a codec, listener or client is invalid (thrown at construction). */
export class OptionError extends TorsionError {
  constructor(message: string) {
    super('TORSION_ERR_INVALID_OPTION', message);
  }
}

/** A frame (declared or accumulated) is longer than the codec allows. */
export class FrameTooLargeError extends TorsionError {
  constructor(
    /**
     * The length found, in bytes (a count for a limit on arguments; the message names what was
     * measured). While the frame is still arriving, the bytes seen so far: a lower bound.
     */
    readonly length: number,
    /** The limit it exceeds, in the same unit (the codec's `maxLength`, `maxArgs`...). */
    readonly maxLength: number,
    detail = 'frame length',
  ) {
    super('TORSION_ERR_FRAME_TOO_LARGE', `${detail} (${length}) exceeds the allowed maximum (${maxLength})`);
  }
}

/**
 * A frame was begun and not finished within `@Protocol({ frameTimeoutMs })` (a slowloris peer
 * holding a partial frame): `@OnError` answers it, then the connection closes with reason
 * `timeout`.
 */
export class FrameTimeoutError extends TorsionError {
  constructor(
    /** The `frameTimeoutMs` that ran out, in ms. */
    readonly timeoutMs: number,
    /** Bytes of the unfinished frame held when it timed out. */
    readonly bufferedBytes: number,
  ) {
    super('TORSION_ERR_FRAME_TIMEOUT', `a frame was begun and not finished within ${timeoutMs} ms (${bufferedBytes} bytes held)`);
  }
}

/** The peer sent bytes that do not follow the codec's grammar (a bad header, a bad terminator). */
export class ProtocolError extends TorsionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TORSION_ERR_PROTOCOL', message, options);
  }
}

/**
 * One frame could not be decoded, but the stream is intact (a malformed JSON line):
 * the error goes to `@OnError` and the connection goes on.
 */
export class FrameError extends TorsionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TORSION_ERR_FRAME', message, options);
  }
}

/** A handler threw or its promise rejected; the cause is the original error. */
export class HandlerError extends TorsionError {
  constructor(
    /** The protocol class's name. */
    readonly protocol: string,
    /** The name of the handler method that failed. */
    readonly handler: string,
    cause: unknown,
  ) {
    super('TORSION_ERR_HANDLER', `${protocol}.${handler} failed: ${describe(cause)}`, { cause });
  }
}

/**
 * An outbound connection could not be established (refused, timed out, unreachable), or it
 * closed right after it opened (`TORSION_ERR_CONNECT_DROPPED`: a reconnecting client counts that
 * as a failed attempt).
 */
export class ConnectError extends TorsionError {
  constructor(code: 'TORSION_ERR_CONNECT_REFUSED' | 'TORSION_ERR_CONNECT_TIMEOUT' | 'TORSION_ERR_CONNECT' | 'TORSION_ERR_CONNECT_DROPPED', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * `client.when(state)` cannot be satisfied: the client is, or became, final in another state
 * (`disconnected`, `gave-up`, `stopped`). Code `TORSION_ERR_CLIENT_ENDED`; the cause is the
 * client's last error, when it has one.
 */
export class ClientEndedError extends TorsionError {
  constructor(
    /** The client's protocol class name. */
    readonly client: string,
    /** The final state it ended in. */
    readonly state: string,
    /** The state `when` waited for. */
    readonly awaited: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('TORSION_ERR_CLIENT_ENDED', message, options);
  }
}

/**
 * A guard (`@UseGuards`) denied a routed frame: thrown in the handler's place so exception
 * filters (`@UseFilters`) can answer it; unanswered, the router's `forbidden` reply is written
 * and the connection goes on. Code `TORSION_ERR_FORBIDDEN`.
 */
export class ForbiddenError extends TorsionError {
  constructor(
    /** The command the frame was routed to (as declared on `@OnCommand`). */
    readonly command: string,
    /** The guard class (or object) that denied it, by name. */
    readonly guard: string,
  ) {
    super('TORSION_ERR_FORBIDDEN', `${guard} denied ${command}`);
  }
}

/**
 * A group member fell behind its broadcasts past the group's bound (`slowMember: 'disconnect'`):
 * its connection is destroyed with this error (close reason `aborted`), like an IRC server's
 * "Max SendQ exceeded".
 */
export class SlowMemberError extends TorsionError {
  constructor(
    /** The group's name. */
    readonly group: string,
    /** Bytes the member's connection held unsent. */
    readonly bufferedBytes: number,
    /** Bytes of the broadcast that did not fit. */
    readonly size: number,
    /** The group's `maxBufferedBytes`. */
    readonly maxBufferedBytes: number,
  ) {
    super('TORSION_ERR_SLOW_MEMBER', `a member of group '${group}' fell behind: ${bufferedBytes} bytes buffered plus a broadcast of ${size} exceeds the allowed maximum (${maxBufferedBytes})`);
  }
}

/** Why a `request()` failed without a reply, matched on `code` (docs/clients.md, "Request/response clients"). */
export type RequestErrorCode =
  | 'TORSION_ERR_REQUEST_TIMEOUT'
  | 'TORSION_ERR_CONNECTION_CLOSED'
  | 'TORSION_ERR_TOO_MANY_REQUESTS'
  | 'TORSION_ERR_REQUEST_ID'
  | 'TORSION_ERR_DUPLICATE_REQUEST_ID'
  | 'TORSION_ERR_BAD_REPLY'
  | 'TORSION_ERR_UNEXPECTED_REPLY';

/**
 * A request made with `request()` (a protocol declaring `@Protocol({ requests })`) got no
 * reply: `TORSION_ERR_TOO_MANY_REQUESTS` (`maxPending` requests already await replies; nothing
 * was written), `TORSION_ERR_REQUEST_ID` (correlated: the request frame has no id),
 * `TORSION_ERR_DUPLICATE_REQUEST_ID` (correlated: a request with that id is pending),
 * `TORSION_ERR_BAD_REPLY` (pipelined: its reply could not be decoded; the cause is the codec's
 * error), `TORSION_ERR_UNEXPECTED_REPLY` (pipelined: a frame came with no request pending and no
 * `@OnData` to take it; the connection fails with it). Timeouts and closes are the subclasses
 * `RequestTimeoutError` and `ConnectionClosedError`.
 */
export class RequestError extends TorsionError {
  constructor(code: RequestErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * No reply came within the request's `timeoutMs` (on the reactor clock). Code
 * `TORSION_ERR_REQUEST_TIMEOUT`. The connection goes on: a pipelined reply that comes later is
 * consumed for its request and dropped, so later replies stay matched.
 */
export class RequestTimeoutError extends RequestError {
  constructor(
    /** The timeout that ran out, in ms. */
    readonly timeoutMs: number,
  ) {
    super('TORSION_ERR_REQUEST_TIMEOUT', `no reply within ${timeoutMs} ms`);
  }
}

/**
 * The connection closed (or was never open, or a reconnecting client is not connected) before
 * the reply came: every request pending on it is rejected with this. Code
 * `TORSION_ERR_CONNECTION_CLOSED`; `closeReason` says how the connection ended, when it did, and
 * its error is the cause.
 */
export class ConnectionClosedError extends RequestError {
  constructor(
    message: string,
    /** How the connection closed; undefined when it is still closing or there was none. */
    readonly closeReason: CloseReason | undefined,
  ) {
    super('TORSION_ERR_CONNECTION_CLOSED', message, { cause: closeReason?.error });
  }
}

/** Why a PROXY protocol header was refused (`ProxyProtocolError.reason`). */
export type ProxyProtocolFailure = 'missing' | 'malformed' | 'oversized' | 'checksum' | 'timeout' | 'ended';

/**
 * A listener with `proxyProtocol` got no valid PROXY header (HAProxy's proxy-protocol.txt):
 * `missing` (the first bytes are not a header: never guessed at), `malformed`, `oversized` (over
 * `maxHeaderBytes`, or a v1 line over 107 bytes), `checksum` (a v2 CRC32C TLV that does not
 * match), `timeout` (not complete within `timeoutMs`), `ended` (the peer closed or reset first).
 * The connection is closed before any protocol instance is built, logged and counted
 * (`ListenerStats.refused.proxyProtocol`). Code `TORSION_ERR_PROXY_PROTOCOL`.
 */
export class ProxyProtocolError extends TorsionError {
  constructor(
    /** Which check refused the header; each one is described on the class. */
    readonly reason: ProxyProtocolFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('TORSION_ERR_PROXY_PROTOCOL', message, options);
  }
}

/** Something was used after the application or connection was closed. */
export class ClosedError extends TorsionError {
  constructor(message: string) {
    super('TORSION_ERR_CLOSED', message);
  }
}

/** An error's message (or `String(value)` for a thrown non-Error), for embedding a cause in another error's message or a log line. */
export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
