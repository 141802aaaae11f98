import { createTestingApp, type TestConnection, type TestingApp } from 'torsion/testing';
import { IrcServerModule, IrcSession, formatIrcLine, ircLines, type IrcMessage, type IrcServerModuleOptions } from 'torsion/irc';

const codec = ircLines();

/** An in-memory IRC server app with `options`. */
export function ircApp(options: IrcServerModuleOptions = {}): TestingApp {
  return createTestingApp(IrcServerModule.configure({ serverName: 'irc.test', network: 'TestNet', ...options }));
}

/** What a client received since the last call, as wire lines without CRLF. */
export function lines(c: TestConnection<unknown>): string[] {
  const out = c.frames<IrcMessage>(codec).map(formatIrcLine);
  c.clear();
  return out;
}

/** Sends raw lines (CRLF added). */
export function say(c: TestConnection<unknown>, ...text: string[]): void {
  c.send(text.map((t) => `${t}\r\n`).join(''));
}

/** A registered client (its welcome burst cleared). */
export function client(t: TestingApp, nick: string): TestConnection<IrcSession> {
  const c = t.connect(IrcSession, { peer: { address: '127.0.0.1' } });
  say(c, `NICK ${nick}`, `USER ${nick} 0 * :${nick} Real`);
  const got = lines(c);
  if (!got.some((l) => l.startsWith(`:irc.test 001 ${nick} `))) throw new Error(`${nick} did not register: ${got.join(' | ')}`);
  return c;
}
