import { injectable } from 'tsyringe';
import { DatagramSocket, Listen, Module, OnConnect, OnData, OnError, Protocol, datagramJson, lines, type DatagramAddress } from 'torsion';
import { createTestingApp, nextTurn } from 'torsion/testing';

@injectable()
class Scores {
  readonly points = new Map<string, number>();
}

/** A tiny UDP game-score service: JSON datagrams in, JSON replies to the sender. */
@Listen({ port: 9100, transport: 'udp' })
@Protocol({ codec: datagramJson({ maxSize: 256 }) })
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
    udp.wire.inject(JSON.stringify({ player: 'alice', add: 60 }), alice);
    udp.wire.inject('{not json', bob);
    udp.wire.inject(JSON.stringify({ player: 'alice', add: 50 }), alice);
    await nextTurn();
    const decoded = (to: DatagramAddress): unknown[] => udp.wire.sentTo(to).map((b) => JSON.parse(b.toString()));
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

describe('the codec of a UDP protocol', () => {
  @Listen({ port: 9300, transport: 'udp' })
  @Protocol({ codec: datagramJson() })
  class JsonUdp {
    @OnData() echo(msg: unknown): unknown {
      return { got: msg };
    }
  }

  @Listen({ port: 9301, transport: 'udp', codec: datagramJson({ maxSize: 8 }) })
  @Protocol({ codec: datagramJson() })
  class Overridden {
    @OnData() echo(msg: unknown): unknown {
      return msg;
    }
    @OnError() bad(error: Error): string {
      return error.name === 'FrameTooLargeError' ? 'big' : 'bad';
    }
  }

  @Module({ protocols: [JsonUdp, Overridden] })
  class CodecModule {}

  const peer = { address: '192.0.2.9', port: 5000 };

  it('comes from @Protocol, as for stream protocols', async () => {
    const t = createTestingApp(CodecModule);
    const udp = t.bindDatagram(JsonUdp);
    udp.wire.inject('[1,2]', peer);
    expect(udp.wire.sentTo(peer).map(String)).toEqual(['{"got":[1,2]}']);
    await t.close();
  });

  it('is overridden by the listener', async () => {
    const t = createTestingApp(CodecModule);
    const udp = t.bindDatagram(Overridden);
    udp.wire.inject('"123456789"', peer); // over the listener's maxSize of 8
    expect(udp.wire.sentTo(peer).map(String)).toEqual(['"big"']);
    await t.close();
  });

  it('must be a datagram codec on a UDP protocol and a stream codec on a stream one (bootstrap errors)', () => {
    @Listen({ port: 0, transport: 'udp' })
    @Protocol({ codec: lines() })
    class StreamCodecOnUdp {
      @OnData() d(): void {}
    }
    @Listen({ port: 0 })
    @Protocol({ codec: datagramJson() })
    class DatagramCodecOnTcp {
      @OnData() d(): void {}
    }
    @Listen({ port: 0 })
    @Listen({ port: 0, transport: 'udp' })
    @Protocol()
    class Both {
      @OnData() d(): void {}
    }
    @Module({ protocols: [StreamCodecOnUdp] })
    class A {}
    @Module({ protocols: [DatagramCodecOnTcp] })
    class B {}
    @Module({ protocols: [Both] })
    class C {}
    expect(() => createTestingApp(A)).toThrow(/@Protocol\(\) of StreamCodecOnUdp: the lines codec is a stream codec but StreamCodecOnUdp is a UDP protocol: use datagramRaw/);
    expect(() => createTestingApp(B)).toThrow(/the datagram-json codec is a datagram codec but DatagramCodecOnTcp is a stream protocol/);
    expect(() => createTestingApp(C)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_TRANSPORT_MIX' }));
  });
});
