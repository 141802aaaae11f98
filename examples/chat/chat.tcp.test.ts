import { bootstrap, silentLogger, type Application } from 'torsion';
import { Peer } from '../../test/support/peer';
import { ChatModule, ChatSession } from './app';

/** The chat over real sockets: two node:net clients talking through the server. */
describe('examples/chat over TCP', () => {
  let app: Application;
  beforeAll(async () => {
    app = await bootstrap(ChatModule.configure({ port: 0, host: '127.0.0.1' }), { logger: silentLogger });
  });
  afterAll(async () => {
    await app.close();
  });

  const lines = (peer: Peer): string[] => peer.text.split('\n').slice(0, -1);
  const saw = (peer: Peer, line: string | RegExp): Promise<void> =>
    peer.until((p) => lines(p).some((l) => (typeof line === 'string' ? l === line : line.test(l))), 5000, `the line ${String(line)}`);

  it('two members: welcome, join notice, /nick, broadcast, /who, /quit and the leave notice', async () => {
    const port = app.address(ChatSession).port;
    const alice = await Peer.connect(port);
    await saw(alice, /^\* welcome, guest-\d+! 1 here/);
    const bob = await Peer.connect(port);
    await saw(bob, /^\* welcome, guest-\d+! 2 here/);
    await saw(alice, /^\* guest-\d+ joined$/);

    alice.send('/nick alice\r\n');
    await saw(alice, '* you are now alice');
    await saw(bob, /^\* guest-\d+ is now alice$/);
    bob.send('/nick bob\n');
    await saw(bob, '* you are now bob');

    alice.send('hello bob\nhow are you?\n');
    await saw(bob, '<alice> how are you?');
    expect(lines(bob).filter((l) => l.startsWith('<'))).toEqual(['<alice> hello bob', '<alice> how are you?']);
    bob.send('fine, thanks\n');
    await saw(alice, '<bob> fine, thanks');

    bob.send('/who\n');
    await saw(bob, '* 2 here: alice bob');

    alice.send('/quit\n');
    await saw(alice, '* bye');
    await alice.waitClosed();
    await saw(bob, '* alice left');
    expect(lines(alice).some((l) => l.startsWith('<alice>'))).toBe(false); // nobody hears themselves

    await bob.close();
  });

  it('a member that drops its connection is announced as gone', async () => {
    const port = app.address(ChatSession).port;
    const carol = await Peer.connect(port);
    await saw(carol, /^\* welcome/);
    const dave = await Peer.connect(port);
    await saw(carol, /^\* guest-\d+ joined$/);
    dave.send('/nick dave\n');
    await saw(carol, /is now dave$/);
    await dave.close(); // a reset, no /quit
    await saw(carol, '* dave left');
    // Gone from the room too, not just announced: /who lists carol and no dave.
    const nick = /^\* welcome, (guest-\d+)!/.exec(lines(carol)[0])?.[1];
    carol.send('/who\n');
    await saw(carol, /^\* \d+ here: /);
    const who = (lines(carol).find((l) => /^\* \d+ here: /.test(l)) as string).replace(/^\* \d+ here: /, '').split(' ');
    expect(who).toContain(nick);
    expect(who).not.toContain('dave');
    await carol.close();
  });

  it('is configured: another port and another line limit, served beside the default one', async () => {
    const small = await bootstrap(ChatModule.configure({ port: 0, host: '127.0.0.1', maxLineLength: 64, onOverlong: 'disconnect' }), { logger: silentLogger });
    try {
      const port = small.address(ChatSession).port;
      expect(port).not.toBe(8001);
      expect(port).not.toBe(app.address(ChatSession).port);
      const erin = await Peer.connect(port);
      await saw(erin, /^\* welcome/);
      erin.send(`${'x'.repeat(100)}\n`); // within the default 1024 bytes, over this chat's 64
      await saw(erin, '! line too long (at most 64 bytes)');
      await erin.waitClosed();

      const frank = await Peer.connect(app.address(ChatSession).port); // the default chat takes it
      await saw(frank, /^\* welcome/);
      frank.send(`/nick frank\n${'y'.repeat(100)}\n/who\n`);
      await saw(frank, /^\* \d+ here: /);
      expect(lines(frank)).not.toContain('! line too long (at most 1024 bytes)');
      await frank.close();
    } finally {
      await small.close();
    }
  });
});
