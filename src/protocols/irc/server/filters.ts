import { inject, injectable } from 'tsyringe';
import { Catch } from '../../../decorators/routing';
import { Reactor } from '../../../reactor/reactor';
import type { ExceptionFilter, Guard, RouteContext } from '../../../decorators/enhancers';
import { IrcNumericError } from '../errors';
import type { IrcMessage } from '../message';
import { IrcNetwork } from './network';
import { IRC_SERVER_OPTIONS, type IrcServerOptions } from './options';
import type { IrcUser } from './state';

/** What the filters and guards need of the session: its client. */
export interface HasUser {
  /** The connection's client: nick, host, and whether it is leaving. */
  readonly user: IrcUser;
}

/**
 * Turns an `IrcNumericError` thrown by a command into the numeric addressed to the client
 * (`:server 403 ann #nope :No such channel`, '*' before it has a nick); the connection goes on.
 */
@injectable()
@Catch(IrcNumericError)
export class IrcNumericReplies implements ExceptionFilter<IrcNumericError> {
  constructor(private readonly network: IrcNetwork) {}

  /** The numeric, from the server, to the client's nick. */
  catch(error: IrcNumericError, context: RouteContext<HasUser>): IrcMessage {
    return this.network.fromServer(error.numeric, context.protocol.user.nick, ...error.params);
  }
}

/** Thrown by `FloodControl` for a client over its line budget. */
export class IrcFloodError extends Error {
  constructor() {
    super('Excess Flood');
    this.name = 'IrcFloodError';
  }
}

/** Per-client state of `FloodControl`. */
export interface FloodState {
  /** When the current window began, in ms on the reactor clock (0 before the first line). */
  floodWindowStart: number;
  /** Lines counted in the current window. */
  floodLines: number;
}

/**
 * Optional flood protection (`IrcServerOptions.flood`, off by default): a client that sends
 * more than `lines` lines within `perMs` is disconnected with "Excess Flood", as ircds do.
 * Off, it lets every line through at the cost of one check.
 */
@injectable()
export class FloodControl implements Guard {
  constructor(
    @inject(IRC_SERVER_OPTIONS) private readonly options: IrcServerOptions,
    private readonly reactor: Reactor,
  ) {}

  /** Counts the line in the client's window; throws `IrcFloodError` past the budget. */
  canActivate(context: RouteContext<HasUser & FloodState>): boolean {
    const flood = this.options.flood;
    if (flood === false) return true;
    const state = context.protocol;
    const now = this.reactor.clock.now();
    if (now - state.floodWindowStart >= flood.perMs) {
      state.floodWindowStart = now;
      state.floodLines = 0;
    }
    if (++state.floodLines > flood.lines) throw new IrcFloodError();
    return true;
  }
}

/** Disconnects a flooding client: ERROR, then the close; the others see "Excess Flood". */
@injectable()
@Catch(IrcFloodError)
export class IrcFloodFilter implements ExceptionFilter<IrcFloodError> {
  constructor(private readonly network: IrcNetwork) {}

  /** Marks the client as leaving with Excess Flood, ends its connection, and answers ERROR. */
  catch(_error: IrcFloodError, context: RouteContext<HasUser>): IrcMessage {
    const user = context.protocol.user;
    user.quitReason ??= 'Excess Flood';
    context.connection.end();
    return this.network.fromServer('ERROR', `Closing Link: ${user.host} (Excess Flood)`);
  }
}
