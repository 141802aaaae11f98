// The public face of connection limits, apart from the (internal) limiter that keeps them, so
// the testing typings can take these from 'torsion' instead of rolling in a copy.

/**
 * Why a listener refused a connection: it was full, the peer's address had its share, or (a
 * listener with `proxyProtocol`) no valid PROXY header came first.
 */
export type RefuseReason = 'maxConnections' | 'maxConnectionsPerPeer' | 'proxyProtocol';

/**
 * One listener's connection counts, plain number fields a metrics exporter reads as they are
 * (`app.listeners[i].stats`, `app.listenerStats(Proto)`). Counted for every stream listener,
 * limited or not; a UDP listener has no connections and keeps zeros.
 */
export interface ListenerStats {
  /** Connections accepted (admitted past the limits) since the listener was planned. */
  accepted: number;
  /**
   * Connections refused, by reason; each was closed at once, before any protocol instance was
   * built. `proxyProtocol`: no valid PROXY header (missing, malformed, oversized, late) on a
   * listener with `proxyProtocol`.
   */
  readonly refused: {
    /** Refused because the listener held `maxConnections` already. */
    maxConnections: number;
    /** Refused because the peer's address held `maxConnectionsPerPeer` already. */
    maxConnectionsPerPeer: number;
    /** Closed for want of a valid PROXY header. */
    proxyProtocol: number;
  };
  /** Accepted connections not yet closed. */
  open: number;
}
