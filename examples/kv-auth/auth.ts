import { createHash, timingSafeEqual } from 'node:crypto';
import { Catch, ForbiddenError, inject, injectable, respError, type ExceptionFilter, type Guard, type RespError, type RouteContext } from 'torsion';

/** Injection token of the password every connection must give (`AUTH <password>`). */
export const KV_PASSWORD = Symbol('KV_PASSWORD');

/** What the guard reads from the protocol instance. */
export interface Authenticable {
  readonly authenticated: boolean;
}

/** The commands a connection may send before AUTH (as Redis: AUTH itself, and QUIT). */
const OPEN_COMMANDS = new Set(['AUTH', 'QUIT']);

/**
 * The protocol's guard: until the connection has authenticated, every routed command but AUTH
 * and QUIT is denied. A denial is a `ForbiddenError`, answered by `NoAuthReply`; the connection
 * stays open, so the client may still AUTH. (Unknown commands never reach a guard: they get
 * `ERR unknown command` first, as in Redis, which looks a command up before checking auth.)
 */
export class Authenticated implements Guard {
  canActivate(context: RouteContext<Authenticable>): boolean {
    return context.protocol.authenticated || OPEN_COMMANDS.has(context.route as string);
  }
}

/** A denied command gets Redis's own reply to a client that has not authenticated. */
@Catch(ForbiddenError)
export class NoAuthReply implements ExceptionFilter<ForbiddenError> {
  static readonly REPLY = respError('NOAUTH Authentication required.');
  catch(): RespError {
    return NoAuthReply.REPLY;
  }
}

/**
 * Checks passwords against the configured one. Both sides are hashed first, so the comparison
 * takes the same time whatever the guess and its length (`timingSafeEqual` needs equal lengths).
 */
@injectable()
export class PasswordCheck {
  private readonly digest: Buffer;

  constructor(@inject(KV_PASSWORD) password: string) {
    this.digest = sha256(password);
  }

  matches(guess: string): boolean {
    return timingSafeEqual(sha256(guess), this.digest);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
