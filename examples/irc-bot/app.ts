import { Connect, Module, OnCommand, type Constructor } from 'torsion';
import { IrcBot, IrcClient, type IrcSource } from 'torsion/irc';

/**
 * A bot's commands: `!ping` is answered with `pong`, `!time` with the time (UTC), where they
 * were said (the channel, or privately to the sender).
 */
export class PingCommands extends IrcClient {
  @OnCommand('PRIVMSG')
  said(from: IrcSource, target: string, text: string): void {
    const command = text.trim();
    if (command === '!ping') this.say(this.replyTarget(from, target), 'pong');
    else if (command === '!time') this.say(this.replyTarget(from, target), `the time is ${new Date().toISOString()}`);
  }
}

/** Where the bot goes and who it is. */
export interface PingBotOptions {
  host: string;
  port: number;
  /** Default 'pingbot'. */
  nick?: string;
  /** Default '#torsion'. */
  channel?: string;
}

/**
 * The bot for `options`: a `@Connect` protocol (reconnecting with the default backoff) and its
 * module. A function, so a test can aim one at a server on a free port; main.ts reads
 * IRC_HOST, IRC_PORT, IRC_NICK and IRC_CHANNEL.
 */
export function pingBot(options: PingBotOptions): { PingBot: Constructor<PingCommands>; PingBotModule: Constructor } {
  @Connect({ host: options.host, port: options.port, reconnect: { initialDelayMs: 500, maxDelayMs: 10_000 } })
  @IrcBot({ nick: options.nick ?? 'pingbot', realname: 'torsion ping bot', channels: [options.channel ?? '#torsion'] })
  class PingBot extends PingCommands {}

  @Module({ protocols: [PingBot] })
  class PingBotModule {}

  return { PingBot, PingBotModule };
}
