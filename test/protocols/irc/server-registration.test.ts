import type { TestingApp } from 'torsion/testing';
import { IrcSession } from 'torsion/irc';
import { client, ircApp, lines, say } from './support';

describe('IRC server: registration, PING/PONG, QUIT', () => {
  let t: TestingApp;
  afterEach(() => t.close());

  it('NICK + USER: 001-004 addressed to the nick, 005 ISUPPORT, then 422 without a MOTD', () => {
    t = ircApp();
    const c = t.connect(IrcSession, { peer: { address: '::ffff:127.0.0.1' } });
    say(c, 'NICK ann', 'USER a 0 * :Ann Example');
    const got = lines(c);
    expect(got.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      ':irc.test 001 ann', ':irc.test 002 ann', ':irc.test 003 ann', ':irc.test 004 ann', ':irc.test 005 ann', ':irc.test 422 ann',
    ]);
    expect(got[0]).toBe(':irc.test 001 ann :Welcome to the TestNet IRC Network ann!a@127.0.0.1');
    expect(got[4]).toContain('CASEMAPPING=rfc1459');
    expect(got[4]).toContain('NETWORK=TestNet');
    expect(got[5]).toBe(':irc.test 422 ann :MOTD File is missing');
  });

  it('sends the MOTD (375, 372 per line, 376) when there is one; USER before NICK works too', () => {
    t = ircApp({ motd: ['hello', 'be nice'] });
    const c = t.connect(IrcSession);
    say(c, 'USER b 0 * :B', 'NICK bob');
    expect(lines(c).slice(5)).toEqual([
      ':irc.test 375 bob :- irc.test Message of the day - ',
      ':irc.test 372 bob :- hello',
      ':irc.test 372 bob :- be nice',
      ':irc.test 376 bob :End of /MOTD command.',
    ]);
    say(c, 'MOTD'); // /motd, as clients send it: the same again
    expect(lines(c)).toEqual([
      ':irc.test 375 bob :- irc.test Message of the day - ',
      ':irc.test 372 bob :- hello',
      ':irc.test 372 bob :- be nice',
      ':irc.test 376 bob :End of /MOTD command.',
    ]);
    const d = client(t, 'dan');
    say(d, 'MOTD irc.test');
    expect(lines(d)).toHaveLength(4);
  });

  it('MOTD without one: 422', () => {
    t = ircApp();
    const c = client(t, 'ann');
    say(c, 'MOTD');
    expect(lines(c)).toEqual([':irc.test 422 ann :MOTD File is missing']);
  });

  it('unregistered: 451 for registered-only commands, 421 for unknown ones; 461, 431, 432, 433 (any case), 462', () => {
    t = ircApp();
    const ann = client(t, 'Ann[1]');
    const c = t.connect(IrcSession);
    say(c, 'JOIN #a', 'PRIVMSG ann :hi', 'FOO bar', 'USER x', 'NICK', 'NICK 9lives', 'NICK ann{1}');
    expect(lines(c)).toEqual([
      ':irc.test 451 * :You have not registered',
      ':irc.test 451 * :You have not registered',
      ':irc.test 421 * FOO :Unknown command',
      ':irc.test 461 * USER :Not enough parameters',
      ':irc.test 431 * :No nickname given',
      ':irc.test 432 * 9lives :Erroneous nickname',
      ':irc.test 433 * ann{1} :Nickname is already in use',
    ]);
    say(ann, 'USER again 0 * :x');
    expect(lines(ann)).toEqual([':irc.test 462 Ann[1] :You may not reregister']);
  });

  it('PASS: a server password is required; a wrong one gets 464 and ERROR, then the close', async () => {
    t = ircApp({ password: 'sekrit' });
    const bad = t.connect(IrcSession);
    say(bad, 'PASS nope', 'NICK ann', 'USER a 0 * :A');
    expect(lines(bad)).toEqual([':irc.test 464 ann :Password incorrect', ':irc.test ERROR :Closing Link: 127.0.0.1 (Bad password)']);
    await bad.finished;
    const good = t.connect(IrcSession);
    say(good, 'PASS sekrit', 'NICK ann', 'USER a 0 * :A');
    expect(lines(good)[0]).toMatch(/^:irc.test 001 ann /);
  });

  it('answers a client PING with PONG; 409 without a token', () => {
    t = ircApp();
    const c = client(t, 'ann');
    say(c, 'PING :abc 123', 'PING');
    expect(lines(c)).toEqual([':irc.test PONG irc.test :abc 123', ':irc.test 409 ann :No origin specified']);
  });

  it('PINGs a silent client after the interval and drops it one interval later unless it answers', async () => {
    t = ircApp({ pingIntervalMs: 10_000 });
    const [live, dead] = [client(t, 'live'), client(t, 'dead')];
    say(live, 'JOIN #a');
    say(dead, 'JOIN #a');
    [live, dead].forEach(lines);
    await t.advance(11_500); // an interval, and up to one idle sweep (1 s) late
    expect(lines(live)).toEqual([':irc.test PING irc.test']);
    expect(lines(dead)).toEqual([':irc.test PING irc.test']);
    say(live, 'PONG :irc.test');
    await t.advance(11_500); // an interval, and up to one idle sweep (1 s) late
    expect(lines(dead)).toEqual([':irc.test ERROR :Closing Link: 127.0.0.1 (Ping timeout: 10 seconds)']);
    await dead.finished;
    // live answered: it is pinged again (it stays silent), never dropped; it sees dead go.
    expect(lines(live).sort()).toEqual([':dead!dead@127.0.0.1 QUIT :Ping timeout: 10 seconds', ':irc.test PING irc.test']);
    expect(live.closed).toBe(false);
  });

  it('QUIT: ERROR then close; the others on its channels see it with the reason, once', async () => {
    t = ircApp();
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    say(a, 'JOIN #a,#b');
    say(b, 'JOIN #a,#b');
    [a, b].forEach(lines);
    say(a, 'QUIT :gone fishing', 'PRIVMSG #a :never sent');
    expect(lines(a)).toEqual([':irc.test ERROR :Closing Link: 127.0.0.1 (Quit: gone fishing)']);
    await a.finished;
    expect(lines(b)).toEqual([':ann!ann@127.0.0.1 QUIT :Quit: gone fishing']);
    say(b, 'NICK ann'); // the nick is free again
    expect(lines(b)).toEqual([':bob!bob@127.0.0.1 NICK ann']);
  });

  it('a client that drops its connection is seen quitting by the others', async () => {
    t = ircApp();
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    say(a, 'JOIN #a');
    say(b, 'JOIN #a');
    [a, b].forEach(lines);
    a.peerReset();
    await a.finished;
    expect(lines(b)).toEqual([':ann!ann@127.0.0.1 QUIT :Connection reset by peer']);
  });

  it('an overlong line gets 417 and the connection goes on; a malformed one is ignored', () => {
    t = ircApp();
    const c = client(t, 'ann');
    c.send(`PRIVMSG #a :${'x'.repeat(600)}\r\n:prefix-only\r\nPING :ok\r\n`);
    expect(lines(c)).toEqual([':irc.test 417 ann :Input line was too long', ':irc.test PONG irc.test ok']);
  });

  it('flood protection is off by default, and disconnects with Excess Flood when on', async () => {
    t = ircApp();
    const calm = client(t, 'calm');
    say(calm, ...Array.from({ length: 50 }, (_, i) => `PING ${i}`));
    expect(lines(calm)).toHaveLength(50);
    await t.close();
    t = ircApp({ flood: { lines: 10, perMs: 1000 } });
    const flooder = client(t, 'flood');
    say(flooder, ...Array.from({ length: 20 }, (_, i) => `PING ${i}`));
    const got = lines(flooder);
    expect(got.slice(-1)).toEqual([':irc.test ERROR :Closing Link: 127.0.0.1 (Excess Flood)']);
    expect(got.length).toBeLessThan(12);
    await flooder.finished;
  });
});
