import { Module, OnCommand } from 'torsion';
import { createTestingApp, type TestingApp } from 'torsion/testing';
import { IrcBot, IrcClient, IrcSession, alternativeNick, ircMessage, type IrcSource } from 'torsion/irc';
import { client, ircApp, lines, say } from './support';

@IrcBot({ nick: 'bot', channels: ['#a', '#b'] })
class EchoBot extends IrcClient {
  readonly heard: string[] = [];
  joined = 0;
  welcomes = 0;

  @OnCommand('PRIVMSG')
  said(from: IrcSource, target: string, text: string): void {
    this.heard.push(`${from.nick}->${target}: ${text}`);
    if (text === '!ping') this.say(this.replyTarget(from, target), 'pong');
  }

  @OnCommand('JOIN')
  someoneJoined(from: IrcSource): void {
    if (from.nick === this.nick) this.joined++;
  }

  protected override welcomed(): void {
    this.welcomes++;
  }
}

@Module({ protocols: [EchoBot] })
class BotModule {}

describe('IrcClient (a bot) against the torsion IRC server, in memory', () => {
  let server: TestingApp;
  let bots: TestingApp;
  beforeEach(() => {
    server = ircApp({ pingIntervalMs: 60_000 });
    bots = createTestingApp(BotModule);
  });
  afterEach(async () => {
    await bots.close();
    await server.close();
  });

  it('registers, joins its channels, hears PRIVMSG through a decorated handler and answers with say()', async () => {
    const ann = client(server, 'ann');
    say(ann, 'JOIN #a');
    const pair = bots.connectPair(EchoBot, IrcSession, { server });
    await pair.pump();
    const bot = pair.client.protocol;
    expect(bot.registered).toBe(true);
    expect(bot.welcomes).toBe(1);
    expect(bot.joined).toBe(2);
    lines(ann);
    say(ann, 'PRIVMSG #a :!ping', 'PRIVMSG bot :!ping', 'PRIVMSG #a :hello');
    await pair.pump();
    expect(bot.heard).toEqual(['ann->#a: !ping', 'ann->bot: !ping', 'ann->#a: hello']);
    expect(lines(ann)).toEqual([':bot!bot@127.0.0.1 PRIVMSG #a pong', ':bot!bot@127.0.0.1 PRIVMSG ann pong']);
  });

  it('retries with another nick while its nick is in use', async () => {
    client(server, 'bot');
    client(server, 'bot_');
    const pair = bots.connectPair(EchoBot, IrcSession, { server });
    await pair.pump();
    expect(pair.client.protocol.registered).toBe(true);
    expect(pair.client.protocol.nick).toBe('bot__');
  });

  it('answers the server PING (auto-PONG) and so is never dropped', async () => {
    const pair = bots.connectPair(EchoBot, IrcSession, { server });
    await pair.pump();
    for (let i = 0; i < 4; i++) {
      await server.advance(61_000);
      await pair.pump();
    }
    expect(pair.server.closed).toBe(false);
    expect(pair.client.closed).toBe(false);
  });

  it('say() splits lines and cuts long text so that every line fits 512 bytes with any prefix; nothing is injected', async () => {
    const ann = client(server, 'ann');
    const pair = bots.connectPair(EchoBot, IrcSession, { server });
    await pair.pump();
    lines(ann);
    pair.client.protocol.say('ann', `one\r\nQUIT :injected\n${'x'.repeat(1000)}`);
    await pair.pump();
    const got = lines(ann);
    expect(got.slice(0, 2)).toEqual([':bot!bot@127.0.0.1 PRIVMSG ann one', ':bot!bot@127.0.0.1 PRIVMSG ann :QUIT :injected']);
    expect(got.slice(2).join('').split('x').length - 1).toBe(1000);
    expect(pair.server.closed).toBe(false);
    expect(() => pair.client.protocol.sendMessage(ircMessage('PRIVMSG', 'ann', 'a\r\nb'))).toThrow(/inject/);
  });

  it('alternativeNick: underscores within 9 characters, then digits', () => {
    expect([1, 2].map((n) => alternativeNick('pingbot', n))).toEqual(['pingbot_', 'pingbot__']);
    expect(alternativeNick('pingbot', 3)).toBe('pingbot3');
    expect(alternativeNick('torsionbot', 1)).toBe('torsionb1');
  });
});
