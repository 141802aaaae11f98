import { bootstrap, silentLogger, type Application } from 'torsion';
import { IrcServerModule, IrcSession } from 'torsion/irc';
import { IrcPeer } from '../support/irc-peers';

/**
 * Over real sockets: a channel member that stops reading its socket is disconnected with
 * "SendQ exceeded" once the kernel's buffers and its SendQ are full, while the member that
 * reads gets every line, in order. Nothing waits for the stuck one.
 */
describe('IRC server over TCP: a member that does not read', () => {
  let app: Application;
  const peers: IrcPeer[] = [];
  beforeAll(async () => {
    app = await bootstrap(IrcServerModule.configure({ port: 0, host: '127.0.0.1', serverName: 'irc.test', sendQBytes: 64 * 1024 }), { logger: silentLogger });
  });
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await app.close();
  });

  it('is dropped with SendQ exceeded; the others get every message in order', async () => {
    const port = app.address(IrcSession).port;
    const [sender, reader, stuck] = await Promise.all(['sender', 'reader', 'stuck'].map((nick) => IrcPeer.register(port, nick)));
    peers.push(sender, reader, stuck);
    for (const p of [reader, stuck, sender]) {
      p.send('JOIN #flood');
      await p.waitLine(/ 366 \S+ #flood /);
    }
    stuck.peer.socket.pause(); // from now on it reads nothing: the kernel's buffers fill, then its SendQ

    const total = 12_000; // ~5 MB through the channel: more than loopback's socket buffers hold
    const text = 'z'.repeat(380);
    const batchSize = 100;
    for (let i = 0; i < total; i += batchSize) {
      const batch: string[] = [];
      const last = Math.min(total, i + batchSize) - 1;
      for (let j = i; j <= last; j++) batch.push(`PRIVMSG #flood :${j} ${text}`);
      const from = reader.peer.text.length;
      await sender.peer.write(batch.map((l) => `${l}\r\n`).join(''));
      // The reader reads at its pace (this process also runs the server: on a loaded machine it
      // may lag): the next batch waits for it, never for the stuck one, which is what is tested.
      const marker = `PRIVMSG #flood :${last} `;
      await reader.peer.until((p) => p.closed || p.text.indexOf(marker, from) !== -1, 20_000, `line ${last} at the reader`);
    }
    await reader.waitLine(/^:stuck!\S+ QUIT :SendQ exceeded$/, 60_000);
    await reader.waitLine(new RegExp(`^:sender!\\S+ PRIVMSG #flood :${total - 1} z+$`), 60_000);
    const received = reader.lines().filter((l) => l.includes(' PRIVMSG #flood '));
    expect(received).toHaveLength(total);
    const outOfOrder = received.filter((l, i) => !l.includes(`PRIVMSG #flood :${i} `));
    expect(outOfOrder).toEqual([]);
  }, 120_000);
});
