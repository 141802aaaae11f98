import type { TestConnection, TestingApp } from 'torsion/testing';
import { IrcSession } from 'torsion/irc';
import { client, ircApp, lines, say } from './support';

/**
 * What a client sends, or what it set earlier (an away message, a real name, an IPv6 address),
 * never makes the server write a line it cannot: the text is cut to fit the line, a token that
 * cannot be a middle parameter is not echoed as one. Nobody's connection fails for it.
 */
describe('IRC server: replies built from what clients sent always fit one line', () => {
  let t: TestingApp;
  beforeEach(() => {
    t = ircApp();
  });
  afterEach(() => t.close());

  const N1 = 'n'.repeat(30); // the longest nick (NICKLEN=30)
  const N2 = 'm'.repeat(30);
  const CHAN = `#${'c'.repeat(49)}`; // the longest channel (CHANNELLEN=50)

  /** Every line of `c` since the last call, each checked to be one line of at most 512 bytes. */
  function fitting(c: TestConnection<unknown>): string[] {
    const got = lines(c);
    for (const line of got) expect(Buffer.byteLength(line) + 2).toBeLessThanOrEqual(512);
    return got;
  }

  function noErrors(): void {
    expect(t.logs.records.filter((r) => r.level === 'error')).toEqual([]);
  }

  it('an IPv6 client (::1) is listed by WHO and WHOIS as 0::1, as ircds do', () => {
    const a = client(t, 'ann');
    const b = t.connect(IrcSession, { peer: { address: '::1' } });
    say(b, 'NICK bob', 'USER bob 0 * :Bob B');
    expect(fitting(b)[0]).toBe(':irc.test 001 bob :Welcome to the TestNet IRC Network bob!bob@0::1');
    say(a, 'WHO bob', 'WHOIS bob');
    const got = fitting(a);
    expect(got[0]).toBe(':irc.test 352 ann * bob 0::1 irc.test bob H :0 Bob B');
    expect(got).toContain(':irc.test 311 ann bob bob 0::1 * :Bob B');
    expect(a.closed).toBe(false);
    noErrors();
  });

  it("a long away message or real name reaches whoever asks, cut to fit; the asker's connection goes on", () => {
    const a = client(t, N1);
    const b = t.connect(IrcSession, { peer: { address: '127.0.0.1' } });
    say(b, `NICK ${N2}`, `USER u 0 * :${'r'.repeat(490)}`, `AWAY :${'w'.repeat(500)}`);
    fitting(b);
    say(a, `PRIVMSG ${N2} :hi`, `WHOIS ${N2}`, `WHO ${N2}`);
    const got = fitting(a);
    expect(got.map((l) => l.split(' ')[1])).toEqual(['301', '311', '312', '301', '318', '352', '315']);
    expect(got[0]).toMatch(new RegExp(`^:irc.test 301 ${N1} ${N2} :?w{400,}$`));
    expect(got[1]).toMatch(/ :?r{400,}$/);
    expect(a.closed).toBe(false);
    noErrors();
  });

  it('a long KICK, PART, TOPIC or QUIT reason is seen by everyone, cut to fit, and the sender stays', async () => {
    const [a, b, c] = [client(t, N1), client(t, N2), client(t, 'cat')];
    for (const x of [a, b, c]) say(x, `JOIN ${CHAN}`);
    [a, b, c].forEach(fitting);
    say(a, `TOPIC ${CHAN} :${'t'.repeat(390)}`);
    for (const x of [a, b, c]) expect(fitting(x)).toEqual([expect.stringMatching(new RegExp(`^:${N1}!\\S+ TOPIC ${CHAN} :?t{300,}$`))]);
    say(a, `KICK ${CHAN} cat :${'k'.repeat(440)}`);
    for (const x of [a, b, c]) expect(fitting(x)).toEqual([expect.stringMatching(new RegExp(`^:${N1}!\\S+ KICK ${CHAN} cat :?k{300,}$`))]);
    say(b, `PART ${CHAN} :${'p'.repeat(440)}`);
    for (const x of [a, b]) expect(fitting(x)).toEqual([expect.stringMatching(new RegExp(`^:${N2}!\\S+ PART ${CHAN} :?p{300,}$`))]);
    say(b, `JOIN ${CHAN}`);
    [a, b].forEach(fitting);
    say(b, `QUIT :${'q'.repeat(480)}`);
    await b.finished;
    expect(fitting(b)).toEqual([expect.stringMatching(/^:irc.test ERROR :Closing Link: 127.0.0.1 \(Quit: q{300,}$/)]);
    expect(fitting(a)).toEqual([expect.stringMatching(new RegExp(`^:${N2}!\\S+ QUIT :Quit: q{300,}$`))]);
    expect([a.closed, c.closed]).toEqual([false, false]);
    noErrors();
  });

  it('a token that cannot be echoed as a middle parameter (a space, a leading colon) is answered as *', () => {
    const a = client(t, 'ann');
    say(a, 'NICK :a b', 'NICK ::x', 'JOIN :#a #b', 'PART ::x', 'NAMES ::x', 'PRIVMSG nobody,:x :hi', 'WHOIS ::x', 'TOPIC :#x y', ':pfx :cmd x');
    expect(fitting(a)).toEqual([
      ':irc.test 432 ann * :Erroneous nickname',
      ':irc.test 432 ann * :Erroneous nickname',
      ':irc.test 403 ann * :No such channel',
      ':irc.test 403 ann * :No such channel',
      ':irc.test 366 ann * :End of /NAMES list',
      ':irc.test 401 ann nobody :No such nick/channel',
      ':irc.test 401 ann * :No such nick/channel',
      ':irc.test 401 ann * :No such nick/channel',
      ':irc.test 318 ann * :End of /WHOIS list',
      ':irc.test 403 ann * :No such channel',
      ':irc.test 421 ann * :Unknown command',
    ]);
    expect(a.closed).toBe(false);
    noErrors();
  });
});
