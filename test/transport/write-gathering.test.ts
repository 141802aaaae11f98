import { Connection, Module, OnConnect, OnData, Protocol, injectable, lines } from '../../src';
import { createTestingApp, type TestConnection, type TestingApp } from '../../src/testing';

/** Members of one room; a line from one is sent to every other. */
@injectable()
class Room {
  readonly members = new Set<Connection>();
  broadcast(from: Connection, line: string): void {
    for (const member of this.members) if (member !== from) member.send(line);
  }
}

@Protocol({ codec: lines() })
class Member {
  constructor(
    private readonly conn: Connection,
    private readonly room: Room,
  ) {}
  @OnConnect() join(): void {
    this.room.members.add(this.conn);
  }
  @OnData() said(line: string): Promise<void> | void {
    if (!line.startsWith('async ')) return this.room.broadcast(this.conn, line);
    return Promise.resolve().then(() => this.room.broadcast(this.conn, line));
  }
}

@Module({ protocols: [Member], providers: [Room] })
class RoomModule {}

describe('writes to other connections made while one connection is served', () => {
  let t: TestingApp;
  let members: Array<TestConnection<Member>>;
  beforeEach(() => {
    t = createTestingApp(RoomModule);
    members = Array.from({ length: 5 }, () => t.connect(Member));
  });
  afterEach(() => t.close());

  it('are gathered: a broadcast of many lines read in one chunk is one write per member', () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join('');
    members[0].send(text);
    for (const member of members.slice(1)) {
      expect(member.connection.writtenChunks).toHaveLength(1);
      expect(member.text()).toBe(text);
    }
    expect(members[0].connection.writtenChunks).toHaveLength(0);
  });

  it('are gathered when an async handler settles too, and keep their order', async () => {
    members[0].send('async a\n');
    await t.settle();
    members[0].send('b\nc\n');
    for (const member of members.slice(1)) {
      expect(member.connection.writtenChunks).toHaveLength(2);
      expect(member.frames()).toEqual(['async a', 'b', 'c']);
    }
  });

  it('are written at once when made outside any read (a timer, a service)', () => {
    t.get(Room).broadcast(members[0].connection, 'from a timer');
    for (const member of members.slice(1)) {
      expect(member.connection.writtenChunks).toHaveLength(1);
      expect(member.frames()).toEqual(['from a timer']);
    }
  });
});
