import 'reflect-metadata';
import { Connection, Groups, GroupsModule, Module, OnConnect, OnData, Protocol, lines } from 'torsion';
import { createTestingApp, type TestingApp } from 'torsion/testing';

// A broadcast burst makes one large batch per member, and members with the same pieces share
// one joined string (stream-connection.ts, gatherShared). A member whose batch differs in one
// piece only, of the same count, must still get its own bytes.

const LINES = 100;

@Protocol({ codec: lines() })
class Burst {
  constructor(
    private readonly groups: Groups,
    private readonly conn: Connection,
  ) {}
  @OnConnect() joined(): void {
    this.groups.group('room').add(this.conn);
  }
  @OnData() said(): void {
    const room = this.groups.group('room');
    for (let i = 0; i < LINES; i++) {
      // Line 50 goes to everyone else; the sender gets its own version in its place.
      if (i === 50) {
        room.broadcast(`line ${i}`, { except: this.conn });
        this.conn.write(`mine ${i}\n`);
      } else room.broadcast(`line ${i}`);
    }
  }
}

@Module({ imports: [GroupsModule], protocols: [Burst] })
class BurstModule {}

describe('a broadcast burst (one large batch per member)', () => {
  let t: TestingApp;
  afterEach(() => t.close());

  it('gives every member its own bytes, in order, when batches share pieces or differ in one', async () => {
    t = createTestingApp(BurstModule);
    const [sender, b, c] = [t.connect(Burst), t.connect(Burst), t.connect(Burst)];
    for (let round = 0; round < 2; round++) {
      for (const conn of [sender, b, c]) conn.clear();
      sender.send('go\n');
      await t.settle();
      const all = Array.from({ length: LINES }, (_, i) => `line ${i}\n`);
      expect(b.text()).toBe(all.join(''));
      expect(c.text()).toBe(all.join(''));
      expect(sender.text()).toBe(all.map((line, i) => (i === 50 ? `mine ${i}\n` : line)).join(''));
    }
  });
});
