import 'reflect-metadata';
import { Connection, Groups, GroupsModule, Module, OnConnect, OnData, Protocol, lines } from 'torsion';
import { createTestingApp, type TestConnection, type TestingApp } from 'torsion/testing';
import { StreamConnection } from '../../src/transport/stream-connection';

// During a read's batch a group holds its broadcasts as one text and writes it to each member
// once (group.ts, HeldLines). These drive what must not change with that: every member gets
// every line in the order it was written, whatever else is written, ended or joined meanwhile.

/** What a test's handler does with each line it reads (set per test). */
let onLine: (self: Member, line: string) => void = () => {};

@Protocol({ codec: lines() })
class Member {
  constructor(
    readonly groups: Groups,
    readonly conn: Connection,
  ) {}
  @OnConnect() joined(): void {
    this.groups.group('room').add(this.conn);
  }
  @OnData() said(line: string): void {
    onLine(this, line);
  }
}

@Module({ imports: [GroupsModule], protocols: [Member] })
class RoomModule {}

/** Transport writes the connection made (the memory transport records one chunk per write). */
function writes(c: TestConnection<unknown>): number {
  return (c.connection as unknown as { writtenChunks: Buffer[] }).writtenChunks.length;
}

describe('broadcasts held during a batch', () => {
  let t: TestingApp;
  let groups: Groups;
  beforeEach(() => {
    t = createTestingApp(RoomModule);
    groups = t.get(Groups);
  });
  afterEach(async () => {
    onLine = () => {};
    await t.close();
  });

  function members(n: number): TestConnection<unknown>[] {
    const all = Array.from({ length: n }, () => t.connect(Member));
    all.forEach((c) => c.clear());
    return all;
  }

  it('a read of many lines reaches each member in one write, every line in order', () => {
    onLine = (self, line) => self.groups.group('room').broadcast(line, { except: self.conn });
    const [sender, ...others] = members(5);
    const text = Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join('');
    const write = jest.spyOn(StreamConnection.prototype, 'write');
    try {
      sender.send(text);
      // The held text is written to each member once: not once per line per member.
      expect(write.mock.calls.map(([data]) => data)).toEqual(others.map(() => text));
    } finally {
      write.mockRestore();
    }
    for (const c of others) {
      expect(c.text()).toBe(text);
      expect(writes(c)).toBe(1);
    }
    expect(sender.text()).toBe('');
    expect(groups.group('room').stats).toMatchObject({ broadcasts: 300, delivered: 1200, missed: 0 });
  });

  it('a write to a member between two broadcasts stays between them', () => {
    const [sender, b, c] = members(3);
    onLine = (self, line) => {
      const room = self.groups.group('room');
      room.broadcast(`${line} 1`, { except: self.conn });
      b.connection.write('direct\n');
      room.broadcast(`${line} 2`, { except: self.conn });
      self.conn.send(`${line} echoed`);
      room.broadcast(`${line} 3`); // the sender too, after its echo
    };
    sender.send('x\n');
    expect(b.frames()).toEqual(['x 1', 'direct', 'x 2', 'x 3']);
    expect(c.frames()).toEqual(['x 1', 'x 2', 'x 3']);
    expect(sender.frames()).toEqual(['x echoed', 'x 3']);
  });

  it('two groups: a member of both gets their broadcasts in the order they were made', () => {
    const [sender, both, onlyA] = members(3);
    groups.group('other').add(both.connection);
    onLine = (self, line) => {
      self.groups.group('room').broadcast(`room ${line}`, { except: self.conn });
      self.groups.group('other').broadcast(`other ${line}`);
    };
    sender.send('1\n2\n');
    expect(both.frames()).toEqual(['room 1', 'other 1', 'room 2', 'other 2']);
    expect(onlyA.frames()).toEqual(['room 1', 'room 2']);
  });

  it('a member that joins during the batch gets what follows; one removed gets what came before', () => {
    const [sender, stays, leaves] = members(3);
    let joiner: TestConnection<unknown> | undefined;
    onLine = (self, line) => {
      const room = self.groups.group('room');
      if (line === 'join') {
        joiner = t.connect(Member); // its @OnConnect adds it
        joiner.clear();
      } else if (line === 'remove') room.remove(leaves.connection);
      else room.broadcast(line, { except: self.conn });
    };
    sender.send('a\njoin\nb\nremove\nc\n');
    expect(stays.frames()).toEqual(['a', 'b', 'c']);
    expect(joiner?.frames()).toEqual(['b', 'c']);
    expect(leaves.frames()).toEqual(['a', 'b']);
  });

  it('a member ended during the batch gets the lines held before its end, then its FIN', async () => {
    const [sender, ended, other] = members(3);
    onLine = (self, line) => {
      const room = self.groups.group('room');
      if (line === 'end') ended.connection.end();
      else room.broadcast(line, { except: self.conn });
    };
    sender.send('a\nb\nend\nc\n');
    await ended.settle();
    expect(ended.closed).toBe(true);
    expect(ended.frames()).toEqual(['a', 'b']);
    expect(other.frames()).toEqual(['a', 'b', 'c']);
  });

  it("'skip': a member that is not writable when the batch begins misses each of its lines", () => {
    onLine = (self, line) => self.groups.group('room').broadcast(line, { except: self.conn });
    const [sender, slow, fast] = members(3);
    slow.setWritable(false);
    sender.send('a\nb\nc\n');
    const room = groups.group('room');
    expect(room.missed(slow.connection)).toBe(3);
    expect(room.stats.missed).toBe(3);
    expect(slow.frames()).toEqual([]);
    expect(fast.frames()).toEqual(['a', 'b', 'c']);
  });

  it("'drop' and 'disconnect' apply per line in a batch, as outside one", async () => {
    // What a member gathers in the batch counts in its bufferedBytes, as outside a hold.
    const drop = groups.group('drop', { slowMember: 'drop', maxBufferedBytes: 30 });
    const cut = groups.group('cut', { slowMember: 'disconnect', maxBufferedBytes: 30 });
    const [sender, slow, fastD, slower, fastC] = members(5);
    for (const c of [sender, slow, fastD]) drop.add(c.connection);
    for (const c of [sender, slower, fastC]) cut.add(c.connection);
    for (const c of [slow, slower]) {
      c.setWritable(false);
      c.connection.write(`${'x'.repeat(14)}\n`); // 15 bytes the peer has not read
    }
    onLine = (self, line) => {
      drop.broadcast(line, { except: self.conn });
      cut.broadcast(line.toUpperCase(), { except: self.conn });
    };
    sender.send('aaaa\nbbbb\ncccc\ndddd\neeee\n'); // 5 bytes a line
    expect(slow.frames()).toEqual(['x'.repeat(14), 'aaaa', 'bbbb', 'cccc']);
    expect(drop.missed(slow.connection)).toBe(2);
    expect(fastD.frames()).toEqual(['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee']);
    await slower.settle();
    expect(slower.closed).toBe(true);
    expect(slower.frames()).toEqual(['x'.repeat(14)]); // destroyed: what it gathered in this batch is discarded
    expect(cut.stats.disconnected).toBe(1);
    expect(fastC.frames()).toEqual(['AAAA', 'BBBB', 'CCCC', 'DDDD', 'EEEE']);
  });

  it('what a batch holds is bounded: past 64 KiB it is written out and holding starts again', () => {
    onLine = (self, line) => {
      for (let i = 0; i < 200; i++) self.groups.group('room').broadcast(`${line} ${i} ${'x'.repeat(1000)}`, { except: self.conn });
    };
    const [sender, b] = members(2);
    sender.send('go\n');
    const got = b.frames() as string[];
    expect(got).toHaveLength(200);
    expect(got.map((l) => l.slice(0, l.indexOf(' x')))).toEqual(Array.from({ length: 200 }, (_, i) => `go ${i}`));
    // ~200 KB: held 64 KiB at a time, gathered by the member until its high-water mark
    const chunks = (b.connection as unknown as { writtenChunks: Buffer[] }).writtenChunks;
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(2 * 64 * 1024);
  });
});
