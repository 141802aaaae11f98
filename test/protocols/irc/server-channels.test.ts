import type { TestingApp } from 'torsion/testing';
import { parseIrcLine } from 'torsion/irc';
import { client, ircApp, lines, say } from './support';

describe('IRC server: channels, messages, queries, modes', () => {
  let t: TestingApp;
  beforeEach(() => {
    t = ircApp();
  });
  afterEach(() => t.close());

  it('JOIN: everyone on the channel sees it, the joiner gets the names (creator is op); names are case-insensitive', () => {
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    say(a, 'JOIN #Torsion');
    expect(lines(a)).toEqual([
      ':ann!ann@127.0.0.1 JOIN #Torsion',
      ':irc.test 353 ann = #Torsion @ann',
      ':irc.test 366 ann #Torsion :End of /NAMES list',
    ]);
    say(b, 'join #TORSION');
    expect(lines(b)).toEqual([
      ':bob!bob@127.0.0.1 JOIN #Torsion',
      ':irc.test 353 bob = #Torsion :@ann bob',
      ':irc.test 366 bob #Torsion :End of /NAMES list',
    ]);
    expect(lines(a)).toEqual([':bob!bob@127.0.0.1 JOIN #Torsion']);
    say(b, 'JOIN bad,#a b');
    expect(lines(b)[0]).toBe(':irc.test 403 bob bad :No such channel');
  });

  it('PRIVMSG to a channel reaches every other member, never the sender; to a nick, that nick (any case)', () => {
    const [a, b, c] = [client(t, 'ann'), client(t, 'Bob[x]'), client(t, 'cat')];
    for (const x of [a, b]) say(x, 'JOIN #a');
    [a, b, c].forEach(lines);
    say(a, 'PRIVMSG #a :hello all', 'NOTICE #A :a notice');
    expect(lines(a)).toEqual([]);
    expect(lines(b)).toEqual([':ann!ann@127.0.0.1 PRIVMSG #a :hello all', ':ann!ann@127.0.0.1 NOTICE #a :a notice']);
    expect(lines(c)).toEqual([]);
    say(a, 'PRIVMSG bob{X} :psst');
    expect(lines(b)).toEqual([':ann!ann@127.0.0.1 PRIVMSG Bob[x] psst']);
    say(c, 'PRIVMSG #a :from outside', 'PRIVMSG nobody :x', 'PRIVMSG #nochan :x', 'PRIVMSG', 'PRIVMSG ann', 'NOTICE nobody :x');
    expect(lines(c)).toEqual([
      ':irc.test 404 cat #a :Cannot send to channel',
      ':irc.test 401 cat nobody :No such nick/channel',
      ':irc.test 401 cat #nochan :No such nick/channel',
      ':irc.test 411 cat :No recipient given (PRIVMSG)',
      ':irc.test 412 cat :No text to send',
    ]);
    expect(lines(b)).toEqual([]);
  });

  it('a relayed message too long for one line with its prefix is cut at a character boundary', () => {
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    say(a, `PRIVMSG bob :${'é'.repeat(240)}`); // fits as sent (493 bytes), not with the sender's prefix
    const [got] = lines(b);
    expect(Buffer.byteLength(`${got}\r\n`)).toBeLessThanOrEqual(512);
    expect(got).toMatch(/^:ann!ann@127\.0\.0\.1 PRIVMSG bob :?é+$/);
    expect(got.split('é').length - 1).toBeLessThan(240);
  });

  it('PART: seen by everyone on it; 442 when not on it, 403 when it does not exist; an empty channel is gone', () => {
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    for (const x of [a, b]) say(x, 'JOIN #a');
    [a, b].forEach(lines);
    say(b, 'PART #a :bye now');
    expect(lines(b)).toEqual([':bob!bob@127.0.0.1 PART #a :bye now']);
    expect(lines(a)).toEqual([':bob!bob@127.0.0.1 PART #a :bye now']);
    say(b, 'PART #a', 'PART #zz');
    expect(lines(b)).toEqual([':irc.test 442 bob #a :You\'re not on that channel', ':irc.test 403 bob #zz :No such channel']);
    say(a, 'PART #a', 'LIST');
    expect(lines(a)).toEqual([':ann!ann@127.0.0.1 PART #a', ':irc.test 321 ann Channel :Users  Name', ':irc.test 323 ann :End of /LIST']);
  });

  it('TOPIC: query (331/332/333), set by an op (+t), 482 for others, seen by all', () => {
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    for (const x of [a, b]) say(x, 'JOIN #a');
    [a, b].forEach(lines);
    say(b, 'TOPIC #a', 'TOPIC #a :mine now');
    expect(lines(b)).toEqual([':irc.test 331 bob #a :No topic is set', ':irc.test 482 bob #a :You\'re not channel operator']);
    say(a, 'TOPIC #a :Welcome to #a');
    expect(lines(b)).toEqual([':ann!ann@127.0.0.1 TOPIC #a :Welcome to #a']);
    say(b, 'TOPIC #a');
    const [topic, whoTime] = lines(b);
    expect(topic).toBe(':irc.test 332 bob #a :Welcome to #a');
    expect(whoTime).toMatch(/^:irc.test 333 bob #a ann!ann@127\.0\.0\.1 \d+$/);
    say(a, 'MODE #a -t');
    lines(a);
    say(b, 'TOPIC #a :anyone may');
    expect(lines(a)).toEqual([':bob!bob@127.0.0.1 TOPIC #a :anyone may']);
  });

  it('NAMES, LIST, WHO, WHOIS', () => {
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    say(a, 'JOIN #a', 'TOPIC #a :the topic');
    say(b, 'JOIN #a', 'AWAY :lunch');
    [a, b].forEach(lines);
    say(a, 'NAMES #a', 'LIST', 'WHO #a', 'WHOIS bob', 'WHOIS nobody');
    expect(lines(a)).toEqual([
      ':irc.test 353 ann = #a :@ann bob',
      ':irc.test 366 ann #a :End of /NAMES list',
      ':irc.test 321 ann Channel :Users  Name',
      ':irc.test 322 ann #a 2 :the topic',
      ':irc.test 323 ann :End of /LIST',
      ':irc.test 352 ann #a ann 127.0.0.1 irc.test ann H@ :0 ann Real',
      ':irc.test 352 ann #a bob 127.0.0.1 irc.test bob G :0 bob Real',
      ':irc.test 315 ann #a :End of /WHO list',
      ':irc.test 311 ann bob bob 127.0.0.1 * :bob Real',
      ':irc.test 319 ann bob #a',
      ':irc.test 312 ann bob irc.test TestNet',
      ':irc.test 301 ann bob lunch',
      ':irc.test 318 ann bob :End of /WHOIS list',
      ':irc.test 401 ann nobody :No such nick/channel',
      ':irc.test 318 ann nobody :End of /WHOIS list',
    ]);
    say(a, 'PRIVMSG bob :hi?');
    expect(lines(a)).toEqual([':irc.test 301 ann bob lunch']);
  });

  it('MODE: channel +n/+t/+o by ops (482 otherwise, 472 unknown, 441 not on it), user modes, 502 for others', () => {
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    for (const x of [a, b]) say(x, 'JOIN #a');
    [a, b].forEach(lines);
    say(a, 'MODE #a');
    expect(lines(a)).toEqual([':irc.test 324 ann #a +nt', expect.stringMatching(/^:irc.test 329 ann #a \d+$/)]);
    say(b, 'MODE #a -n');
    expect(lines(b)).toEqual([':irc.test 482 bob #a :You\'re not channel operator']);
    say(a, 'MODE #a +o-n+x bob');
    expect(lines(a)).toEqual([':ann!ann@127.0.0.1 MODE #a +o-n bob', ':irc.test 472 ann x :is unknown mode char to me']);
    expect(lines(b)).toEqual([':ann!ann@127.0.0.1 MODE #a +o-n bob']);
    say(b, 'MODE #a -o ann', 'MODE #a +o nobody', 'MODE #a b');
    expect(lines(b)).toEqual([':bob!bob@127.0.0.1 MODE #a -o ann', ':irc.test 401 bob nobody :No such nick/channel', ':irc.test 368 bob #a :End of channel ban list']);
    say(a, 'MODE ann +i', 'MODE ann', 'MODE bob +i', 'MODE ann +o');
    expect(lines(a)).toEqual([
      ':bob!bob@127.0.0.1 MODE #a -o ann',
      ':ann MODE ann +i',
      ':irc.test 221 ann +i',
      ':irc.test 502 ann :Can\'t change mode for other users',
      ':irc.test 501 ann :Unknown MODE flag',
    ]);
  });

  it('KICK by an operator: seen by all, the target is off the channel; 482 for non-ops, 441 for non-members, 401 for no such nick', () => {
    const [a, b, c] = [client(t, 'ann'), client(t, 'bob'), client(t, 'cat')];
    for (const x of [a, b]) say(x, 'JOIN #a');
    [a, b, c].forEach(lines);
    say(b, 'KICK #a ann');
    expect(lines(b)).toEqual([':irc.test 482 bob #a :You\'re not channel operator']);
    say(a, 'KICK #a cat', 'KICK #a nobody', 'KICK #a bob :behave');
    expect(lines(a)).toEqual([
      ':irc.test 441 ann cat #a :They aren\'t on that channel',
      ':irc.test 401 ann nobody :No such nick/channel', // no such nick at all: 401, as ircds answer
      ':ann!ann@127.0.0.1 KICK #a bob behave',
    ]);
    expect(lines(b)).toEqual([':ann!ann@127.0.0.1 KICK #a bob behave']);
    say(b, 'PRIVMSG #a :still here?', 'KICK #a', 'KICK #nope x');
    expect(lines(b)).toEqual([
      ':irc.test 404 bob #a :Cannot send to channel',
      ':irc.test 461 bob KICK :Not enough parameters',
      ':irc.test 403 bob #nope :No such channel',
    ]);
  });

  it('NICK change: seen once by itself and everyone who shares a channel; 433 for a taken nick in any case', () => {
    const [a, b, c, d] = [client(t, 'ann'), client(t, 'bob'), client(t, 'cat'), client(t, 'dan')];
    say(a, 'JOIN #a,#b');
    say(b, 'JOIN #a,#b');
    say(c, 'JOIN #b');
    [a, b, c, d].forEach(lines);
    say(a, 'NICK ANNA');
    expect(lines(a)).toEqual([':ann!ann@127.0.0.1 NICK ANNA']);
    expect(lines(b)).toEqual([':ann!ann@127.0.0.1 NICK ANNA']);
    expect(lines(c)).toEqual([':ann!ann@127.0.0.1 NICK ANNA']);
    expect(lines(d)).toEqual([]);
    say(b, 'NICK anna', 'NICK Dan');
    expect(lines(b)).toEqual([':irc.test 433 bob anna :Nickname is already in use', ':irc.test 433 bob Dan :Nickname is already in use']);
    say(d, 'PRIVMSG anna :found you');
    expect(lines(a)).toEqual([':dan!dan@127.0.0.1 PRIVMSG ANNA :found you']);
  });
});

describe('IRC server: long lists and shutdown', () => {
  it('NAMES and WHOIS split long lists over several lines within 512 bytes', async () => {
    const t = ircApp({ channelLimit: 30 });
    try {
      const members = Array.from({ length: 80 }, (_, i) => client(t, `member${i}xxxxxxxxxxxx`));
      for (const m of members) say(m, 'JOIN #big');
      const a = members[0];
      const channels = Array.from({ length: 25 }, (_, i) => `#channel-number-${i}-${'y'.repeat(30)}`);
      say(a, ...channels.map((c) => `JOIN ${c}`));
      lines(a);
      say(a, 'NAMES #big', `WHOIS ${a.protocol.user.nick}`);
      const got = lines(a);
      for (const line of got) expect(Buffer.byteLength(`${line}\r\n`)).toBeLessThanOrEqual(512);
      const lastParam = (l: string): string[] => (parseIrcLine(l).params.at(-1) as string).split(' ');
      const names = got.filter((l) => l.includes(' 353 ')).flatMap(lastParam);
      expect(names).toHaveLength(80);
      expect(got.filter((l) => l.includes(' 353 ')).length).toBeGreaterThan(1);
      const whoisChannels = got.filter((l) => l.includes(' 319 ')).flatMap(lastParam);
      expect(whoisChannels).toHaveLength(26);
    } finally {
      await t.close();
    }
  });

  it('on shutdown every client gets ERROR before the close', async () => {
    const t = ircApp();
    const a = client(t, 'ann');
    await t.close();
    expect(lines(a)).toEqual([':irc.test ERROR :Closing Link: 127.0.0.1 (Server shutting down)']);
    expect(a.closed).toBe(true);
  });
});
