import { FrameTooLargeError, OptionError } from 'torsion';
import { createTestingApp, type TestConnection, type TestingApp } from 'torsion/testing';
import { ChatModule, ChatRoom, ChatSession } from './app';

// Three configurations of one module in this process: the defaults and these two.
const Disconnecting = ChatModule.configure({ maxLineLength: 64, onOverlong: 'disconnect' });
const Warning = ChatModule.configure({ maxLineLength: 64, onOverlong: 'warn' });

/** What a member received since the last call, as lines. */
function news(c: TestConnection<unknown>): string[] {
  const lines = c.frames<string>();
  c.clear();
  return lines;
}

describe('examples/chat (in memory)', () => {
  let t: TestingApp;
  beforeEach(() => {
    t = createTestingApp(ChatModule);
  });
  afterEach(() => t.close());

  function join(): TestConnection<ChatSession> {
    return t.connect(ChatSession);
  }

  it('names a newcomer guest-<id>, welcomes it, and tells the others', () => {
    const alice = join();
    const [welcome] = news(alice);
    expect(welcome).toMatch(/^\* welcome, guest-\d+! 1 here; commands: \/nick NAME, \/who, \/quit$/);
    const bob = join();
    expect(news(bob)[0]).toContain(`welcome, ${bob.protocol.nick}! 2 here`);
    expect(news(alice)).toEqual([`* ${bob.protocol.nick} joined`]);
    expect(alice.protocol.nick).toBe(`guest-${alice.connection.id}`);
  });

  it('broadcasts every line to the other members, not back to the sender', () => {
    const [a, b, c] = [join(), join(), join()];
    [a, b, c].forEach(news);
    a.send('hello, room\r\n');
    expect(news(a)).toEqual([]);
    expect(news(b)).toEqual([`<${a.protocol.nick}> hello, room`]);
    expect(news(c)).toEqual([`<${a.protocol.nick}> hello, room`]);
    b.send('one\ntwo\n   \n', { split: 1 }); // blank lines are not broadcast
    expect(news(a)).toEqual([`<${b.protocol.nick}> one`, `<${b.protocol.nick}> two`]);
  });

  it('/nick renames, validates and keeps nicknames unique regardless of case', () => {
    const [a, b] = [join(), join()];
    const oldA = a.protocol.nick;
    [a, b].forEach(news);
    a.send('/nick Alice\n');
    expect(news(a)).toEqual(['* you are now Alice']);
    expect(news(b)).toEqual([`* ${oldA} is now Alice`]);
    b.send('/nick alice\n');
    expect(news(b)).toEqual(['! nickname alice is taken']);
    b.send('/nick 9lives\n/nick bad name\n/nick x'.concat('y'.repeat(20), '\n'));
    expect(news(b)).toEqual(Array(3).fill('! invalid nickname (1-20 of A-Z a-z 0-9 _ -, starting with a letter)'));
    b.send('/nick Guest-1\n/nick\n');
    expect(news(b)).toEqual(['! nicknames starting with guest- are reserved', '! usage: /nick NAME']);
    a.send('/nick ALICE\n'); // a change of case of one's own name is allowed
    expect(news(a)).toEqual(['* you are now ALICE']);
    expect(news(b)).toEqual(['* Alice is now ALICE']);
    b.send('hi\n');
    expect(news(a)).toEqual([`<${b.protocol.nick}> hi`]);
    expect(news(b)).toEqual([]);
    expect(t.get(ChatRoom).nicknames()).toEqual(['ALICE', b.protocol.nick]);
  });

  it('/who lists the members; unknown commands get an error line', () => {
    const [a, b] = [join(), join()];
    a.send('/nick ann\n');
    [a, b].forEach(news);
    b.send('/who\n');
    expect(news(b)).toEqual([`* 2 here: ann ${b.protocol.nick}`]);
    b.send('/dance now\n');
    expect(news(b)).toEqual(['! unknown command /dance; try /nick NAME, /who or /quit']);
    expect(news(a)).toEqual([]);
  });

  it('regression: relayed text carries no control characters (a \\r or ESC cannot rewrite the others\' lines)', () => {
    const [a, b] = [join(), join()];
    [a, b].forEach(news);
    a.send('hi\rthere\n');
    a.send('\u001b[2Jcleared\u0007 tab\there del\u007f c1\u009bx\n');
    a.send('\u0000\u001b\t\n'); // nothing left to show: not broadcast
    const nick = a.protocol.nick;
    expect(news(b)).toEqual([`<${nick}> hi there`, `<${nick}>  [2Jcleared  tab here del  c1 x`]);
    a.send('/dance\u001b[2J\n');
    expect(news(a)).toEqual(['! unknown command /dance [2j; try /nick NAME, /who or /quit']);
  });

  it('regression: a tab after a command word separates it from its argument', () => {
    const [a, b] = [join(), join()];
    [a, b].forEach(news);
    a.send('/nick\tAlice\n');
    expect(news(a)).toEqual(['* you are now Alice']);
    news(b);
    b.send('/who\t\n');
    expect(news(b)).toEqual([`* 2 here: Alice ${b.protocol.nick}`]);
  });

  it('/who splits a long list over several lines within the limit', () => {
    const members = Array.from({ length: 120 }, () => join());
    const c = members[0];
    news(c);
    c.send('/who\n');
    const lines = news(c);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]).toMatch(/^\* 120 here: guest-/);
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(1024);
    expect(lines.join(' ').match(/guest-\d+/g)).toHaveLength(120);
  });

  it('/quit says bye and closes; the others are told', async () => {
    const [a, b] = [join(), join()];
    a.send('/nick ann\n');
    [a, b].forEach(news);
    a.send('/quit\nnot sent\n');
    expect(news(a)).toEqual(['* bye']);
    await a.finished;
    expect(a.closeReason?.kind).toBe('done');
    expect(news(b)).toEqual(['* ann left']);
    expect(t.get(ChatRoom).nicknames()).toEqual([b.protocol.nick]);
  });

  it('a member that disconnects (FIN or reset) is removed and the others are told', async () => {
    const [a, b, c] = [join(), join(), join()];
    [a, b, c].forEach(news);
    a.peerClose();
    await a.finished;
    b.peerReset();
    await b.finished;
    expect(news(c)).toEqual([`* ${a.protocol.nick} left`, `* ${b.protocol.nick} left`]);
    expect(t.get(ChatRoom).size).toBe(1);
  });

  it('a member whose connection stops reading is skipped, then told how much it missed', () => {
    const [a, b] = [join(), join()];
    [a, b].forEach(news);
    b.setWritable(false);
    a.send('one\ntwo\nthree\n');
    // Not writable from the moment its buffer is full: the group skips it (ChatRoom used to learn
    // it only from the write that overflowed, and so wrote one line more).
    expect(news(b)).toEqual([]);
    b.setWritable(true);
    expect(news(b)).toEqual(['* you missed 3 lines while your connection was not reading']);
    a.send('four\n');
    expect(news(b)).toEqual([`<${a.protocol.nick}> four`]);
  });

  describe("overlong lines, onOverlong: 'warn'", () => {
    let w: TestingApp;
    beforeEach(() => {
      w = createTestingApp(Warning);
    });
    afterEach(() => w.close());

    it('answers with an error line, broadcasts nothing, and the member stays', () => {
      const [a, b] = [w.connect(ChatSession), w.connect(ChatSession)];
      [a, b].forEach(news);
      a.send(`${'x'.repeat(65)}\n`); // over the 64-byte message limit (caught by the handler)
      a.send(`${'y'.repeat(500)}\n`, { split: 7 }); // over the codec's limit (dropped as it arrives)
      a.send('é'.repeat(33) + '\n'); // 66 bytes, 33 characters
      a.send('still here\n');
      expect(news(a)).toEqual(Array(3).fill('! line too long (at most 64 bytes)'));
      expect(news(b)).toEqual([`<${a.protocol.nick}> still here`]);
      expect(a.closed).toBe(false);
    });

    it('a message of exactly the limit goes through, with its envelope', () => {
      const [a, b] = [w.connect(ChatSession), w.connect(ChatSession)];
      a.send('/nick abcdefghijklmnopqrst\n');
      [a, b].forEach(news);
      a.send(`${'z'.repeat(64)}\n`);
      expect(news(b)).toEqual([`<abcdefghijklmnopqrst> ${'z'.repeat(64)}`]);
      expect(news(a)).toEqual([]);
    });
  });

  describe("overlong lines, onOverlong: 'disconnect'", () => {
    let d: TestingApp;
    beforeEach(() => {
      d = createTestingApp(Disconnecting);
    });
    afterEach(() => d.close());

    it('a line over the codec limit: error line, then closed before the line even ends', async () => {
      const [a, b] = [d.connect(ChatSession), d.connect(ChatSession)];
      [a, b].forEach(news);
      a.send('z'.repeat(200)); // no newline: fails fast
      expect(news(a)).toEqual(['! line too long (at most 64 bytes)', '* bye']);
      await a.finished;
      expect(a.closeReason?.kind).toBe('error');
      expect(a.closeReason?.error).toBeInstanceOf(FrameTooLargeError);
      expect(news(b)).toEqual([`* ${a.protocol.nick} left`]);
    });

    it('a message over the limit but within the envelope: error line, bye, closed', async () => {
      const [a, b] = [d.connect(ChatSession), d.connect(ChatSession)];
      [a, b].forEach(news);
      a.send(`${'x'.repeat(70)}\nnever broadcast\n`);
      expect(news(a)).toEqual(['! line too long (at most 64 bytes)', '* bye']);
      await a.finished;
      expect(news(b)).toEqual([`* ${a.protocol.nick} left`]);
    });
  });

  it('options are validated', () => {
    expect(() => ChatModule.configure({ maxLineLength: 10 })).toThrow(OptionError);
    expect(() => ChatModule.configure({ onOverlong: 'ignore' as never })).toThrow(OptionError);
  });
});
