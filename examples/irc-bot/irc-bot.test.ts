import { Module, bootstrap, silentLogger, type Application } from 'torsion';
import { createTestingApp } from 'torsion/testing';
import { IrcBot, IrcNetwork, IrcServerModule, IrcSession } from 'torsion/irc';
import { IrcPeer, startNgircd, waitFor } from '../../test/support/irc-peers';
import { PingCommands, pingBot } from './app';

@IrcBot({ nick: 'pingbot', channels: ['#torsion'] })
class MemoryPingBot extends PingCommands {}

@Module({ protocols: [MemoryPingBot] })
class MemoryBotModule {}

describe('examples/irc-bot', () => {
  it('in memory, against the torsion server: joins #torsion, answers !ping with pong and !time with the time', async () => {
    const server = createTestingApp(IrcServerModule.configure({ serverName: 'irc.test' }));
    const bots = createTestingApp(MemoryBotModule);
    try {
      const ann = server.connect(IrcSession, { peer: { address: '127.0.0.1' } });
      ann.send('NICK ann\r\nUSER ann 0 * :Ann\r\nJOIN #torsion\r\n');
      const pair = bots.connectPair(MemoryPingBot, IrcSession, { server });
      await pair.pump();
      ann.clear();
      ann.send('PRIVMSG #torsion :!ping\r\nPRIVMSG #torsion :!time\r\nPRIVMSG pingbot :!ping\r\nPRIVMSG #torsion :ping\r\n');
      await pair.pump();
      const said = ann.text().split('\r\n').filter((l) => l !== '');
      expect(said).toEqual([
        ':pingbot!pingbot@127.0.0.1 PRIVMSG #torsion pong',
        expect.stringMatching(/^:pingbot!pingbot@127\.0\.0\.1 PRIVMSG #torsion :the time is \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        ':pingbot!pingbot@127.0.0.1 PRIVMSG ann pong',
      ]);
    } finally {
      await bots.close();
      await server.close();
    }
  });

  describe('against Debian ngircd (a real IRC server)', () => {
    let ngircd: Awaited<ReturnType<typeof startNgircd>>;
    let bot: Application | undefined;
    const peers: IrcPeer[] = [];
    beforeAll(async () => {
      ngircd = await startNgircd();
    }, 30_000);
    afterAll(async () => {
      await bot?.close();
      await Promise.all(peers.map((p) => p.close()));
      await ngircd.stop();
    });

    it('registers (retrying while its nick is taken), joins, answers !ping and !time', async () => {
      const squatter = await IrcPeer.register(ngircd.port, 'pingbot'); // the bot's nick is taken
      peers.push(squatter);
      const ann = await IrcPeer.register(ngircd.port, 'ann');
      peers.push(ann);
      ann.send('JOIN #torsion');
      await ann.waitLine(/ 366 ann #torsion /);

      const { PingBotModule } = pingBot({ host: '127.0.0.1', port: ngircd.port });
      bot = await bootstrap(PingBotModule, { logger: silentLogger });
      await ann.waitLine(/^:pingbot_!\S+ JOIN :?#torsion$/);

      ann.send('PRIVMSG #torsion :!ping');
      await ann.waitLine(/^:pingbot_!\S+ PRIVMSG #torsion :?pong$/);
      ann.send('PRIVMSG #torsion :!time');
      await ann.waitLine(/^:pingbot_!\S+ PRIVMSG #torsion :the time is \d{4}-/);
      ann.send('PRIVMSG pingbot_ :!ping');
      await ann.waitLine(/^:pingbot_!\S+ PRIVMSG ann :?pong$/);
    }, 60_000);
  });

  it('against the torsion server over TCP: reconnects (the existing policy) after its connection is dropped, and joins again', async () => {
    const server = await bootstrap(IrcServerModule.configure({ port: 0, host: '127.0.0.1', serverName: 'irc.test' }), { logger: silentLogger });
    let bot: Application | undefined;
    const ann = await IrcPeer.register(server.address(IrcSession).port, 'ann');
    try {
      ann.send('JOIN #torsion');
      await ann.waitLine(/ 366 ann #torsion /);
      const { PingBotModule } = pingBot({ host: '127.0.0.1', port: server.address(IrcSession).port });
      bot = await bootstrap(PingBotModule, { logger: silentLogger });
      await ann.waitLine(/^:pingbot!\S+ JOIN #torsion$/);

      const network = server.container.resolve(IrcNetwork);
      network.user('pingbot')?.conn.destroy(); // the server drops it
      await ann.waitLine(/^:pingbot!\S+ QUIT /);
      await waitFor(() => ann.lines().filter((l) => /^:pingbot!\S+ JOIN #torsion$/.test(l)).length === 2, 'the bot joining again');
      ann.send('PRIVMSG #torsion :!ping');
      await ann.waitLine(/^:pingbot!\S+ PRIVMSG #torsion pong$/);
    } finally {
      await ann.close();
      await bot?.close();
      await server.close();
    }
  }, 60_000);
});
