import { TLSSocket, type PeerCertificate } from 'node:tls';

/** What a TLS connection negotiated (`Connection.tls`); undefined on plain transports. */
export interface TlsInfo {
  /** 'TLSv1.2', 'TLSv1.3'... */
  readonly protocol: string | undefined;
  /** The negotiated cipher suite (OpenSSL name, e.g. 'TLS_AES_256_GCM_SHA384'). */
  readonly cipher: string | undefined;
  /** The peer's certificate; undefined when it sent none (servers only see one with requestCert). */
  readonly peerCertificate: PeerCertificate | undefined;
  /** True when the peer's certificate was verified against the trusted CAs. */
  readonly authorized: boolean;
  /** Why the peer's certificate was not verified, when it was not. */
  readonly authorizationError: string | undefined;
  /** The ALPN protocol both sides agreed on, if any. */
  readonly alpnProtocol: string | undefined;
  /** The SNI server name the client asked for, if any. */
  readonly servername: string | undefined;
}

/** Reads a secured socket's TLS details once (after the handshake); undefined for a plain socket. */
export function readTlsInfo(socket: unknown): TlsInfo | undefined {
  // `encrypted` first: a plain socket lacks it, and `instanceof` walks its whole prototype chain
  // (~0.5 µs of every plain connection's accept, in a CPU profile of connection churn).
  if ((socket as { encrypted?: unknown }).encrypted !== true || !(socket instanceof TLSSocket)) return undefined;
  const cert = socket.getPeerCertificate();
  const servername = (socket as TLSSocket & { servername?: string | false }).servername;
  return {
    protocol: socket.getProtocol() ?? undefined,
    cipher: socket.getCipher()?.name,
    peerCertificate: cert !== null && cert !== undefined && Object.keys(cert).length > 0 ? cert : undefined,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String(socket.authorizationError),
    alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined,
    servername: typeof servername === 'string' ? servername : undefined,
  };
}
