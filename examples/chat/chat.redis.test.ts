import { Peer, eventually } from '../../test/support/peer';
import { listeningPort, spawnExample, type ExampleProcess } from '../test-support/example-process';
import { RedisServer } from '../../test/support/redis-server';

/**
 * Done when: the chat room works across two processes through a real redis-server, and again
 * after that Redis is restarted, with no process dying. Each chat runs as its own node process
 * (`REDIS_URL=... npm run example -- chat`); redis-server is started here on a free port.
 */
describe('examples/chat across processes through Redis', () => {
  let redis: RedisServer;
  let chats: ExampleProcess[] = [];
  const peers: Peer[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    chats = [0, 1].map(() => spawnExample('chat', { PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, TORSION_LOG_LEVEL: 'info' }));
    // Generous: each process transpiles torsion's sources on start, slow on a loaded machine.
    await Promise.all(chats.map((c) => c.waitForStdout((out) => /^listening /m.test(out), 90_000)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(chats.map((c) => c.stop()));
    await redis?.kill();
  }, 60_000);

  const lines = (peer: Peer): string[] => peer.text.split('\n').slice(0, -1);
  const saw = (peer: Peer, line: string | RegExp, timeoutMs = 10_000): Promise<void> =>
    peer.until((p) => lines(p).some((l) => (typeof line === 'string' ? l === line : line.test(l))), timeoutMs, `the line ${String(line)}`);

  async function join(chat: ExampleProcess, nick: string): Promise<Peer> {
    const peer = await Peer.connect(listeningPort(chat.stdout()));
    peers.push(peer);
    await saw(peer, /^\* welcome, guest-/);
    peer.send(`/nick ${nick}\n`);
    await saw(peer, `* you are now ${nick}`);
    return peer;
  }

  /**
   * `from` says numbered probes until `to` hears one (bounded: 60 probes, 500 ms each): the
   * processes' Redis connections come up (or back) on their own schedule, and what is published
   * before a subscriber is back is not delivered (at most once).
   */
  async function linked(from: Peer, fromNick: string, to: Peer, tag: string): Promise<void> {
    for (let i = 0; i < 60; i++) {
      from.send(`${tag} ${i}\n`);
      try {
        await saw(to, new RegExp(`^<${fromNick}> ${tag} \\d+$`), 500);
        return;
      } catch {
        // not through yet: probe again
      }
    }
    throw new Error(`${tag}: no probe from ${fromNick} crossed between the processes in 60 tries`);
  }

  const alive = (): void => {
    for (const chat of chats) expect(chat.child.exitCode).toBeNull();
  };

  it('one room over two processes, and again after Redis restarts; no process dies', async () => {
    const alice = await join(chats[0], 'alice');
    const carol = await join(chats[0], 'carol');
    const bob = await join(chats[1], 'bob');

    await linked(alice, 'alice', bob, 'probe');
    await linked(bob, 'bob', alice, 'probe');
    alice.send('hello from one\n');
    await saw(bob, '<alice> hello from one');
    await saw(carol, '<alice> hello from one');
    bob.send('hi from two\n');
    await saw(alice, '<bob> hi from two');
    await saw(carol, '<bob> hi from two');
    // No duplicate delivery: carol shares alice's process, and Redis echoes alice's message to it.
    expect(lines(carol).filter((l) => l === '<alice> hello from one')).toHaveLength(1);
    expect(lines(alice).filter((l) => l === '<bob> hi from two')).toHaveLength(1);

    await redis.kill();
    // Redis is away: members of one process still hear each other at once, nothing crashes.
    alice.send('while redis is down\n');
    await saw(carol, '<alice> while redis is down');
    alive();

    await redis.start();
    await linked(alice, 'alice', bob, 'again');
    await linked(bob, 'bob', alice, 'again');
    alice.send('after the restart\n');
    await saw(bob, '<alice> after the restart');
    bob.send('welcome back\n');
    await saw(alice, '<bob> welcome back');
    await saw(carol, '<bob> welcome back');
    // Held while Redis was away, published once it was back: at most once, never twice.
    expect(lines(bob).filter((l) => l === '<alice> while redis is down').length).toBeLessThanOrEqual(1);
    expect(lines(carol).filter((l) => l === '<alice> while redis is down')).toHaveLength(1);
    // Both processes saw Redis go and come back (one log line each way, not one per attempt).
    for (const chat of chats) {
      await eventually(() => chat.stderr().includes('Redis connection is back'), 10_000, 'the reconnection logged');
      expect(chat.stderr()).toContain('Redis connection lost');
    }
    alive();
  }, 180_000);
});
