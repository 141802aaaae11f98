import 'reflect-metadata';
import { Connection, Groups, GroupsModule, Module, OnConnect, OnData, OptionError, Protocol, SlowMemberError, TorsionError, jsonLines, lines } from 'torsion';
import { createTestingApp, type TestConnection, type TestingApp } from 'torsion/testing';

// Two protocols with different codecs in one group: lines, and JSON lines.
const lineCodec = lines({ maxLength: 64 });
const jsonCodec = jsonLines();

@Protocol({ codec: lineCodec })
class LineMember {
  constructor(
    private readonly groups: Groups,
    private readonly conn: Connection,
  ) {}
  @OnConnect() joined(): void {
    this.groups.group('room').add(this.conn);
  }
  @OnData() said(line: string): void {
    this.groups.group('room').broadcast(line, { except: this.conn });
  }
}

@Protocol({ codec: jsonCodec })
class JsonMember {
  constructor(
    private readonly groups: Groups,
    private readonly conn: Connection,
  ) {}
  @OnConnect() joined(): void {
    this.groups.group('room').add(this.conn);
  }
  @OnData() said(value: unknown): void {
    this.groups.group('room').broadcast(value, { except: this.conn });
  }
}

@Module({ imports: [GroupsModule], protocols: [LineMember, JsonMember] })
class RoomModule {}

function news(c: TestConnection<unknown>): unknown[] {
  const frames = c.frames();
  c.clear();
  return frames;
}

describe('groups (in memory)', () => {
  let t: TestingApp;
  let groups: Groups;
  beforeEach(() => {
    t = createTestingApp(RoomModule);
    groups = t.get(Groups);
  });
  afterEach(() => t.close());

  it('adds, removes and tells members; one group per name', () => {
    const [a, b] = [t.connect(LineMember), t.connect(LineMember)];
    const room = groups.group('room');
    expect(groups.group('room')).toBe(room);
    expect(room.size).toBe(2);
    expect(room.connections()).toEqual([a.connection, b.connection]);
    expect(room.add(a.connection)).toBe(false); // already a member
    expect(room.remove(a.connection)).toBe(true);
    expect(room.remove(a.connection)).toBe(false);
    expect(room.has(a.connection)).toBe(false);
    expect(room.has(b.connection)).toBe(true);
    expect(groups.names()).toEqual(['room']);
    expect(groups.get('nowhere')).toBeUndefined();
  });

  it('a member leaves by itself when its connection closes, however it closes', async () => {
    const [a, b, c, d] = [t.connect(LineMember), t.connect(LineMember), t.connect(LineMember), t.connect(LineMember)];
    const room = groups.group('room');
    a.peerClose();
    b.peerReset();
    c.connection.end();
    await Promise.all([a.finished, b.finished, c.finished]);
    expect(room.connections()).toEqual([d.connection]);
    expect(room.add(a.connection)).toBe(false); // a closed connection is never added
  });

  it('broadcasts through each member\'s codec, encoding once per codec, never to the sender', () => {
    const lineSpy = jest.spyOn(lineCodec, 'encode');
    const jsonSpy = jest.spyOn(jsonCodec, 'encode');
    try {
      const members = [t.connect(LineMember), t.connect(LineMember), t.connect(JsonMember), t.connect(LineMember), t.connect(JsonMember)];
      members.forEach(news);
      lineSpy.mockClear();
      jsonSpy.mockClear();
      members[0].send('hello\n');
      expect(members.map(news)).toEqual([[], ['hello'], ['hello'], ['hello'], ['hello']]);
      expect(members[2].text()).toBe(''); // cleared; the JSON members got "hello" as JSON
      expect(lineSpy).toHaveBeenCalledTimes(1);
      expect(jsonSpy).toHaveBeenCalledTimes(1);

    } finally {
      lineSpy.mockRestore();
      jsonSpy.mockRestore();
    }
  });

  it('a value one codec cannot encode reaches the others, then broadcast throws that codec\'s error', () => {
    const [a, j, k] = [t.connect(LineMember), t.connect(JsonMember), t.connect(JsonMember)];
    [a, j, k].forEach(news);
    const room = groups.group('room');
    expect(() => room.broadcast({ n: 1 })).toThrow(TorsionError); // lines writes strings and bytes only
    expect(news(j)).toEqual([{ n: 1 }]);
    expect(news(k)).toEqual([{ n: 1 }]);
    expect(news(a)).toEqual([]);
    expect(room.broadcast('text')).toBe(3);
  });

  it("'skip': a member that is not writable misses broadcasts until it drains, and is told how many", () => {
    const [a, b, c] = [t.connect(LineMember), t.connect(LineMember), t.connect(LineMember)];
    [a, b, c].forEach(news);
    const room = groups.group('room');
    b.setWritable(false);
    expect(b.connection.writable).toBe(false);
    a.send('one\ntwo\n');
    expect(news(b)).toEqual([]);
    expect(news(c)).toEqual(['one', 'two']);
    expect(room.missed(b.connection)).toBe(2);
    expect(room.stats.missed).toBe(2);
    b.setWritable(true);
    expect(room.takeMissed(b.connection)).toBe(2);
    expect(room.missed(b.connection)).toBe(0);
    a.send('three\n');
    expect(news(b)).toEqual(['three']);
  });

  it("'drop': writes on past the high-water mark, within maxBufferedBytes; drops beyond it", () => {
    const room = groups.group('room', { slowMember: 'drop', maxBufferedBytes: 20 });
    const [a, b] = [t.connect(LineMember), t.connect(LineMember)];
    [a, b].forEach(news);
    b.setWritable(false);
    for (const word of ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee']) room.broadcast(word, { except: a.connection }); // 5 bytes each
    expect(b.connection.bufferedBytes).toBe(20);
    expect(news(b)).toEqual(['aaaa', 'bbbb', 'cccc', 'dddd']); // recorded, unread by the peer
    expect(room.missed(b.connection)).toBe(1);
    b.setWritable(true); // the peer read it all
    expect(b.connection.bufferedBytes).toBe(0);
    room.broadcast('ffff');
    expect(news(b)).toEqual(['ffff']);
    expect(b.closed).toBe(false);
  });

  it("'disconnect': a member that would pass maxBufferedBytes is removed and destroyed with a SlowMemberError", async () => {
    const room = groups.group('room', { slowMember: 'disconnect', maxBufferedBytes: 12 });
    const [a, b] = [t.connect(LineMember), t.connect(LineMember)];
    b.setWritable(false);
    room.broadcast('aaaaa'); // 6 bytes
    room.broadcast('bbbbb'); // 12
    expect(room.has(b.connection)).toBe(true);
    expect(room.broadcast('c')).toBe(1); // 14 > 12: b goes, a gets it
    expect(room.has(b.connection)).toBe(false);
    await b.finished;
    expect(b.closeReason?.kind).toBe('aborted');
    const error = b.closeReason?.error as SlowMemberError;
    expect(error).toBeInstanceOf(SlowMemberError);
    expect(error).toMatchObject({ code: 'TORSION_ERR_SLOW_MEMBER', group: 'room', bufferedBytes: 12, size: 2, maxBufferedBytes: 12 });
    expect(room.stats.disconnected).toBe(1);
    expect(a.closed).toBe(false);
  });

  it('closing a group empties it; the name then makes a new one', () => {
    const a = t.connect(LineMember);
    const room = groups.group('room');
    room.close();
    expect(room.size).toBe(0);
    expect(room.add(a.connection)).toBe(false);
    expect(room.broadcast('x')).toBe(0);
    expect(groups.group('room')).not.toBe(room);
  });

  it('options are checked', () => {
    expect(() => groups.group('')).toThrow(OptionError);
    expect(() => groups.group('g', { slowMember: 'wait' as never })).toThrow(OptionError);
    expect(() => groups.group('g', { maxBufferedBytes: 0 })).toThrow(OptionError);
    groups.group('g', { slowMember: 'drop' });
    expect(() => groups.group('g', { slowMember: 'disconnect' })).toThrow(OptionError);
    expect(groups.group('g').slowMember).toBe('drop');
  });
});

describe('Connection.writable and bufferedBytes (memory transport)', () => {
  it('follow the peer: not writable from the write that fills the buffer until it drains', async () => {
    const t = createTestingApp(RoomModule);
    const c = t.connect(LineMember);
    expect([c.connection.writable, c.connection.bufferedBytes]).toEqual([true, 0]);
    c.setWritable(false);
    c.connection.send('abc');
    expect([c.connection.writable, c.connection.bufferedBytes]).toEqual([false, 4]);
    c.setWritable(true);
    expect([c.connection.writable, c.connection.bufferedBytes]).toEqual([true, 0]);
    c.connection.end();
    expect(c.connection.writable).toBe(false);
    await t.close();
  });
});

