import type { MailStore } from '../maildir/mail-store';

/** What `authenticate` learns about the connection a LOGIN came on. */
export interface ImapLoginInfo {
  /** The client's IP address. */
  readonly remoteAddress: string;
  /** True once STARTTLS has upgraded the connection. */
  readonly tls: boolean;
}

/** `ImapServerModule.configure(options)`. */
export interface ImapServerOptions {
  /** Default 143; 0 picks a free port (ask the Application which). */
  port?: number;
  /** Interface to listen on; default all. */
  host?: string;
  /** Where mail is kept (a `MaildirStore`, or your own `MailStore`). */
  store: MailStore;
  /** Checks a LOGIN; true lets the user in. Called only when LOGIN is allowed (see `plaintextLogin`). */
  authenticate: (user: string, password: string, info: ImapLoginInfo) => boolean | Promise<boolean>;
  /** Key material for STARTTLS; without it STARTTLS is not offered. */
  tls?: {
    /** The private key, PEM. */
    key: string | Buffer;
    /** The certificate chain, PEM. */
    cert: string | Buffer;
  };
  /**
   * LOGIN before STARTTLS (a password in clear text): `'never'`, `'loopback'` (the default:
   * only from 127.0.0.0/8 and ::1, as Dovecot treats local connections as secure) or `'always'`.
   * Refused, the server advertises LOGINDISABLED and answers LOGIN with `NO [PRIVACYREQUIRED]`.
   */
  plaintextLogin?: 'never' | 'loopback' | 'always';
  /** Bytes of command text per command, literals excluded. Default 64 KiB. */
  maxLength?: number;
  /** Bytes of literals per command, so the largest APPEND. Default 32 MiB. */
  maxLiteralSize?: number;
  /** A connection silent this long is logged out (`* BYE`). RFC 3501 asks for at least 30 minutes, the default. */
  autologoutMs?: number;
  /** Failed LOGINs before the connection is closed. Default 3. */
  maxLoginFailures?: number;
  /** Named in the greeting. Default 'torsion'. */
  serverName?: string;
}

/** The options after defaults, as the sessions read them (`IMAP_CONFIG`). */
export interface ImapConfig {
  /** Where mail is kept. */
  readonly store: MailStore;
  /** `ImapServerOptions.authenticate`: checks a LOGIN. */
  readonly authenticate: ImapServerOptions['authenticate'];
  /** Key material for STARTTLS; undefined: STARTTLS is not offered. */
  readonly tls: ImapServerOptions['tls'];
  /** Where LOGIN is allowed before STARTTLS (default 'loopback'). */
  readonly plaintextLogin: 'never' | 'loopback' | 'always';
  /** Bytes of command text per command, literals excluded (default 64 KiB, at least 1024). */
  readonly maxLength: number;
  /** Bytes of literals per command (default 32 MiB). */
  readonly maxLiteralSize: number;
  /** Silence, in ms, before a connection is logged out; also bounds one command's arrival (default 30 minutes, at least 1000). */
  readonly autologoutMs: number;
  /** Failed LOGINs before the connection is closed (default 3). */
  readonly maxLoginFailures: number;
  /** Named in the greeting (default 'torsion'; CR and LF made spaces). */
  readonly serverName: string;
}

/** Injection token of the `ImapConfig` the sessions read. */
export const IMAP_CONFIG = Symbol('IMAP_CONFIG');
/** Injection token of the IMAP protocol's `ProtocolOptions` (codec, router, autologout), made from `IMAP_CONFIG`. */
export const IMAP_PROTOCOL_OPTIONS = Symbol('IMAP_PROTOCOL_OPTIONS');
