/**
 * SMTP AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms: the credentials type,
 * the authenticator contract, and decoding of the client's base64 responses.
 */

/** What a client presented to `AUTH`. */
export interface SmtpCredentials {
  /** 'PLAIN' or 'LOGIN'. */
  readonly mechanism: 'PLAIN' | 'LOGIN';
  /** The authentication identity (the user name). */
  readonly username: string;
  /** The password, in clear (decoded from the AUTH response). */
  readonly password: string;
  /** PLAIN's authorization identity, when the client asked to act as someone else ('' when not). */
  readonly authorizationId: string;
}

/** Checks credentials (a user database, PAM, a token service); may be async. */
export interface SmtpAuthenticator {
  /** True when the credentials are valid (the identity may then relay, per the default `RelayPolicy`). */
  authenticate(credentials: SmtpCredentials): boolean | Promise<boolean>;
}

/** The injection token of the server's `SmtpAuthenticator`; `null` (the default without `authenticate`) turns AUTH off. */
export const SMTP_AUTHENTICATOR = Symbol('SMTP_AUTHENTICATOR');

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a strict base64 SASL response to UTF-8 text; undefined when it is not base64. */
export function decodeBase64(text: string): string | undefined {
  if (!BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('utf8');
}

/** Splits a PLAIN response (`authzid NUL authcid NUL passwd`); undefined when malformed. */
export function parsePlain(decoded: string): { authorizationId: string; username: string; password: string } | undefined {
  const parts = decoded.split('\0');
  if (parts.length !== 3 || parts[1] === '' || parts[2] === '') return undefined;
  return { authorizationId: parts[0], username: parts[1], password: parts[2] };
}
