import type { DynamicModule } from '../../../decorators/options';
import { Module } from '../../../decorators/module';
import { Groups } from '../../../groups/groups';
import { Logger } from '../../../logger';
import { Reactor } from '../../../reactor/reactor';
import { classToken } from '../../../types';
import { FloodControl, IrcFloodFilter, IrcNumericReplies } from './filters';
import { IrcNetwork } from './network';
import {
  DEFAULT_IRC_SERVER_OPTIONS, IRC_GROUPS, IRC_SERVER_OPTIONS, IRC_SERVER_PROTOCOL_OPTIONS, ircServerProtocolOptions, resolveIrcServerOptions,
  type IrcServerOptions,
} from './options';
import { IrcSession } from './session';

/** What `IrcServerModule.configure` accepts: the server's options, and where to listen. */
export interface IrcServerModuleOptions extends Partial<IrcServerOptions> {
  /** Default 6667; 0 picks a free one (ask the Application: `app.address(IrcSession)`). */
  port?: number;
  /** Interface to listen on; default all. */
  host?: string;
}

/**
 * An IRC server (twisted.words' IRC server, an ircd's core): registration, channels,
 * messages, queries, modes and kicks for RFC 1459 / 2812 clients, on one process. As it is, it
 * serves the defaults on port 6667; `IrcServerModule.configure({ port, serverName, network,
 * motd, pingIntervalMs, ... })` serves another configuration.
 */
@Module({
  protocols: [IrcSession],
  providers: [
    IrcNetwork,
    IrcNumericReplies,
    IrcFloodFilter,
    FloodControl,
    { provide: IRC_SERVER_OPTIONS, useValue: DEFAULT_IRC_SERVER_OPTIONS },
    { provide: IRC_SERVER_PROTOCOL_OPTIONS, useFactory: ircServerProtocolOptions, inject: [IRC_SERVER_OPTIONS] },
    // Channels are groups of the server's own (see IRC_GROUPS): an application that also has
    // `Groups` (GroupsModule, or a module providing it, as examples/chat does) keeps its own.
    { provide: IRC_GROUPS, useFactory: (reactor: Reactor, logger: Logger) => new Groups({}, reactor, logger), inject: [Reactor, classToken(Logger)] },
  ],
})
export class IrcServerModule {
  /**
   * The server configured by `options` (NestJS's `forRoot`): they replace the defaults of
   * `IrcServerOptions`; `port` and `host` override `@Listen(6667)`. Throws `OptionError` for an
   * invalid option, here rather than when the application starts.
   */
  static configure(options: IrcServerModuleOptions = {}): DynamicModule {
    const { port, host, ...server } = options;
    return {
      module: IrcServerModule,
      providers: [{ provide: IRC_SERVER_OPTIONS, useValue: resolveIrcServerOptions(server) }],
      listen: [[IrcSession, { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) }]],
    };
  }
}
