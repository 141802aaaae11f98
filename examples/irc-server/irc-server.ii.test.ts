import { listeningPort, spawnExample, type ExampleProcess } from '../test-support/example-process';
import { IrcPeer, startIi, waitFor, type Ii } from '../../test/support/irc-peers';

/**
 * examples/irc-server with unmodified third-party clients: suckless' `ii` joins #torsion, sends
 * and receives beside a scripted socket client; the server PINGs every second here
 * (IRC_PING_SECONDS=1), ii answers and stays, a client that does not answer is dropped.
 */
describe('examples/irc-server with ii and a scripted client', () => {
  let server: ExampleProcess;
  let port: number;
  let ii: Ii | undefined;
  const scripted: IrcPeer[] = [];

  beforeAll(async () => {
    server = spawnExample('irc-server', { PORT: '0', HOST: '127.0.0.1', IRC_PING_SECONDS: '1' });
    // Generous: the example is transpiled from source on start, slow on a loaded machine.
    const out = await server.waitForStdout((o) => o.includes('listening'), 120_000);
    expect(out).toMatch(/^listening tcp 127\.0\.0\.1:\d+$/m);
    port = listeningPort(out);
  }, 150_000);
  afterAll(async () => {
    await ii?.stop();
    await Promise.all(scripted.map((s) => s.close()));
    await server.stop();
  });

  it('ii joins, sends and receives; it answers the server PINGs and stays; a client that does not is dropped', async () => {
    const ann = await IrcPeer.register(port, 'ann');
    scripted.push(ann);
    expect(ann.lines()).toContain(":irc.torsion.local 372 ann :- Welcome to torsion's IRC server example.");
    ann.send('JOIN #torsion');
    await ann.waitLine(/ 366 ann #torsion /);

    ii = await startIi(port, 'iiuser');
    await ii.input('/j #torsion');
    await ann.waitLine(/^:iiuser!\S+ JOIN #torsion$/);

    await ii.input('hello from ii', '#torsion');
    await ann.waitLine(/^:iiuser!\S+ PRIVMSG #torsion :hello from ii$/);

    ann.send('PRIVMSG #torsion :hello ii, from ann');
    await waitFor(() => /<ann> hello ii, from ann/.test(ii!.out('#torsion')), "ann's line in ii's #torsion/out");

    // Several ping intervals pass: ii answers PINGs itself, so it is still there and still heard;
    // ann, scripted, never answers (its own lines are not a PONG): it is dropped with a Ping timeout.
    await ann.waitLine(/^:irc\.torsion\.local PING irc\.torsion\.local$/);
    await ann.waitLine(/^:irc\.torsion\.local ERROR :Closing Link: \S+ \(Ping timeout: 1 seconds\)$/);
    await ann.peer.waitClosed(20_000);
    // ii files a QUIT (no channel in it) under the server's out, or the channel's, by version.
    await waitFor(() => /ann.*quit.*Ping timeout/i.test(ii!.out() + ii!.out('#torsion')), "ann's QUIT in ii's out files").catch((error: Error) => {
      throw new Error(`${error.message}\nserver out:\n${ii!.out()}\n#torsion out:\n${ii!.out('#torsion')}`);
    });

    const bob = await IrcPeer.register(port, 'bob');
    scripted.push(bob);
    bob.send('JOIN #torsion');
    await bob.waitLine(/ 353 bob = #torsion :.*iiuser/);
    await ii.input('still here', '#torsion');
    await bob.waitLine(/^:iiuser!\S+ PRIVMSG #torsion :still here$/);
  }, 120_000);
});
