import fc from 'fast-check';
import { FrameError, FrameTooLargeError } from 'torsion';
import { checkCodec } from 'torsion/testing';
import { IrcMessageError, formatIrcLine, ircLines, ircMessage, parseIrcLine, parseSource, type IrcMessage } from 'torsion/irc';

/** Text a parameter may hold: anything but CR, LF and NUL (non-ASCII included). */
const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', ':', '#', '!', '@', 'é', '😀', '\t', '\u0001', ','), maxLength: 40 });
const word = fc.string({ unit: fc.constantFrom('a', 'B', '7', '#', '-', '[', ']', '\\', '^', 'é'), minLength: 1, maxLength: 12 });
const middle = word.filter((w) => !w.startsWith(':'));
const command = fc.oneof(fc.constantFrom('PRIVMSG', 'JOIN', 'privmsg', 'NICK'), fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0')));
const message: fc.Arbitrary<IrcMessage> = fc
  .record({
    prefix: fc.option(fc.tuple(word, word, word).map(([n, u, h]) => `${n}!${u}@${h}`), { nil: undefined }),
    command,
    middles: fc.array(middle, { maxLength: 14 }),
    trailing: fc.option(text, { nil: undefined }),
  })
  .map(({ prefix, command: c, middles, trailing }) => {
    const params = trailing === undefined ? middles : [...middles, trailing];
    return prefix === undefined ? { command: c, params } : { prefix, command: c, params };
  });

describe('ircLines (the IRC line codec)', () => {
  it('property: any messages, encoded and cut into any chunks, decode to themselves (checkCodec)', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 1_000_000 }), (values, seed) => {
        const report = checkCodec(ircLines(), {
          values,
          seed,
          runs: 5,
          maxRetained: 513,
          oversize: `PRIVMSG #a :${'x'.repeat(600)}\r\n`,
          overflow: 'discard',
          oversizeReply: ircMessage('PRIVMSG', '#a', 'x'.repeat(600)),
          malformed: [':only-a-prefix\r\n', 'NUL\0here\r\n', 'a\rb\r\n'],
          invalidReplies: [ircMessage('PRIVMSG', '#a', 'hi\r\nQUIT :injected'), ircMessage('PRIVMSG', 'a b', 'x'), 'PRIVMSG #a hi', 42],
          wires: [
            { input: 'PING :irc.example.test\n', frames: [{ command: 'PING', params: ['irc.example.test'] }] },
            { input: '\r\n\nJOIN   #a   \r\n', frames: [{ command: 'JOIN', params: ['#a'] }] },
          ],
        });
        return report.skipped.length === 0;
      }),
      { numRuns: 40, seed: 14 },
    );
  });

  it('parses prefix, command, middles and trailing; the 15th parameter is the rest of the line', () => {
    expect(parseIrcLine(':ann!a@h PRIVMSG #chan :hello :world ')).toEqual({ prefix: 'ann!a@h', command: 'PRIVMSG', params: ['#chan', 'hello :world '] });
    expect(parseIrcLine('USER guest 0 * :Real Name')).toEqual({ command: 'USER', params: ['guest', '0', '*', 'Real Name'] });
    expect(parseIrcLine('CMD :')).toEqual({ command: 'CMD', params: [''] });
    const fifteen = `X ${Array.from({ length: 14 }, (_, i) => `p${i}`).join(' ')} rest of it`;
    expect(parseIrcLine(fifteen).params).toHaveLength(15);
    expect(parseIrcLine(fifteen).params[14]).toBe('rest of it');
    expect(parseIrcLine('@time=2020 :s 001 ann :hi')).toEqual({ prefix: 's', command: '001', params: ['ann', 'hi'] });
    expect(() => parseIrcLine(':prefix')).toThrow(FrameError);
    expect(() => parseIrcLine('   ')).toThrow(FrameError);
  });

  it('writes the last parameter with a colon only when it needs one', () => {
    expect(formatIrcLine(ircMessage('JOIN', '#a'))).toBe('JOIN #a');
    expect(formatIrcLine(ircMessage('PRIVMSG', '#a', 'two words'))).toBe('PRIVMSG #a :two words');
    expect(formatIrcLine(ircMessage('PRIVMSG', '#a', ':)'))).toBe('PRIVMSG #a ::)');
    expect(formatIrcLine({ prefix: 'srv', command: '422', params: ['ann', ''] })).toBe(':srv 422 ann :');
  });

  it('regression: a parameter holding CR, LF or NUL is a typed error, never an injected line', () => {
    const codec = ircLines();
    for (const bad of ['hi\r\nQUIT :bye', 'hi\nKILL x', 'a\rb', 'nul\0']) {
      const out: Array<Buffer | string> = [];
      expect(() => codec.encode(ircMessage('PRIVMSG', '#a', bad), out)).toThrow(IrcMessageError);
      expect(out).toEqual([]);
    }
    const out: Array<Buffer | string> = [];
    expect(() => codec.encode([ircMessage('NOTICE', 'a', 'ok'), ircMessage('NOTICE', 'a', 'x\ny')], out)).toThrow(IrcMessageError);
    expect(out).toEqual([]); // all or nothing
    expect(() => codec.encode({ prefix: 'a b', command: 'X', params: [] }, [])).toThrow(IrcMessageError);
    expect(() => codec.encode({ command: 'BAD CMD', params: [] }, [])).toThrow(IrcMessageError);
    expect(() => codec.encode({ command: 'X', params: Array(16).fill('p') }, [])).toThrow(IrcMessageError);
  });

  it('512 bytes including CRLF by default, configurable; the limit is checked in bytes', () => {
    const codec = ircLines();
    const fits = ircMessage('PRIVMSG', '#a', 'x'.repeat(512 - 'PRIVMSG #a '.length - 2));
    const out: Array<Buffer | string> = [];
    codec.encode(fits, out);
    expect(Buffer.byteLength(out[0] as string)).toBe(512);
    expect(() => codec.encode(ircMessage('PRIVMSG', '#a', 'é'.repeat(250)), [])).toThrow(FrameTooLargeError);
    const wide = ircLines({ maxLineLength: 1024 });
    expect(() => wide.encode(ircMessage('PRIVMSG', '#a', 'é'.repeat(250)), [])).not.toThrow();
    expect(() => ircLines({ maxLineLength: 8 })).toThrow(/maxLineLength/);
  });

  it('an overlong input line is dropped up to its LF and reported; the next line is read', () => {
    const decoder = ircLines().createDecoder();
    const frames: unknown[] = [];
    const errors: Error[] = [];
    decoder.decode(Buffer.from(`PRIVMSG #a :${'x'.repeat(600)}\nPING :x\r\n`), { frame: (f) => frames.push(f), frameError: (e) => errors.push(e) });
    expect(errors[0]).toBeInstanceOf(FrameTooLargeError);
    expect(frames).toEqual([{ command: 'PING', params: ['x'] }]);
  });

  it('parseSource splits nick!user@host; a server name is a nick alone', () => {
    expect(parseSource('ann!~a@127.0.0.1')).toEqual({ nick: 'ann', user: '~a', host: '127.0.0.1', raw: 'ann!~a@127.0.0.1' });
    expect(parseSource('irc.example.test')).toEqual({ nick: 'irc.example.test', raw: 'irc.example.test' });
  });
});
