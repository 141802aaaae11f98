import { injectable } from 'tsyringe';
import { DatagramSocket, Listen, Module, OnConnect, OnData, OnError, Protocol, datagramJson, type DatagramAddress } from 'torsion';
import { createTestingApp, nextTurn } from 'torsion/testing';

@injectable()
class Scores {
  readonly points = new Map<string, number>();
}

/** A tiny UDP game-score service: JSON datagrams in, JSON replies to the sender. */
@Listen({ port: 9100, transport: 'udp', codec: datagramJson({ maxSize: 256 }) })
@Protocol()
class ScoreService {
  constructor(
    private readonly scores: Scores,
    private readonly socket: DatagramSocket,
  ) {}

  @OnConnect() bound(): void {
    this.socket.setBroadcast(true);
  }

  @OnData() async score(msg: { player: string; add: number }, _sender: DatagramAddress): Promise<{ player: string; total: number }> {
    await Promise.resolve(); // an async store, say
    const total = (this.scores.points.get(msg.player) ?? 0) + msg.add;
    this.scores.points.set(msg.player, total);
    if (total >= 100) this.socket.send({ winner: msg.player }, { address: '255.255.255.255', port: 9100 });
    return { player: msg.player, total };
  }

  @OnError() bad(error: Error, _sender: DatagramAddress): { error: string } {
    return { error: error.name };
  }
}

@Module({ protocols: [ScoreService], providers: [Scores] })
class GameModule {}

describe('UDP protocols in memory (t.bindDatagram)', () => {
  it('decodes datagrams, replies to each sender, answers bad datagrams alone, through the production endpoint', async () => {
    const t = createTestingApp(GameModule);
    const udp = t.bindDatagram(ScoreService);
    expect(udp.wire.broadcast).toBe(true); // @OnConnect ran
    const alice = { address: '192.0.2.1', port: 4000 };
    const bob = { address: '192.0.2.2', port: 4001 };
    udp.endpoint.inject(JSON.stringify({ player: 'alice', add: 60 }), alice);
    udp.endpoint.inject('{not json', bob);
    udp.endpoint.inject(JSON.stringify({ player: 'alice', add: 50 }), alice);
    await nextTurn();
    const decoded = (to: DatagramAddress): unknown[] => udp.endpoint.sentTo(to).map((b) => JSON.parse(b.toString()));
    expect(decoded(alice)).toEqual([
      { player: 'alice', total: 60 },
      { player: 'alice', total: 110 },
    ]);
    expect(decoded(bob)).toEqual([{ error: 'FrameError' }]);
    expect(decoded({ address: '255.255.255.255', port: 9100 })).toEqual([{ winner: 'alice' }]);
    expect(t.get(Scores).points.get('alice')).toBe(110);
    expect(udp.socket.receivedDatagrams).toBe(3);
    await t.close();
    expect(udp.socket.state).toBe('closed');
  });
});
