import 'reflect-metadata';
import { Connection, GROUPS_OPTIONS, Groups, GroupsModule, Module, OnConnect, OnData, Protocol, lines as lineCodec } from 'torsion';
import { createTestingApp, type TestingApp } from 'torsion/testing';
import { IRC_GROUPS, IrcServerModule } from 'torsion/irc';
import { client, ircApp, lines, say } from './support';

/** A protocol of the application's own, on the application's `Groups`. */
@Protocol({ codec: lineCodec() })
class Lobby {
  constructor(private readonly groups: Groups, private readonly conn: Connection) {}
  @OnConnect() joined(): void {
    this.groups.group('#a').add(this.conn); // the same name as an IRC channel: another group
  }
  @OnData() said(line: string): void {
    this.groups.group('#a').broadcast(line, { except: this.conn });
  }
}

/** As examples/chat does: `Groups` and its options among the module's own providers. */
@Module({ protocols: [Lobby], providers: [Groups, { provide: GROUPS_OPTIONS, useValue: {} }] })
class OwnGroupsModule {}

@Module({ protocols: [Lobby], imports: [GroupsModule] })
class ImportsGroupsModule {}

const irc = IrcServerModule.configure({ serverName: 'irc.test', network: 'TestNet' });

describe('IRC server: channels are broadcast groups of its own', () => {
  let t: TestingApp;
  afterEach(() => t.close());

  it.each([
    ['imports GroupsModule', ImportsGroupsModule],
    ['provides Groups itself (as examples/chat)', OwnGroupsModule],
  ])('beside an application that %s: both serve, neither hears the other', (_name, own) => {
    @Module({ imports: [own, irc] })
    class AppModule {}
    t = createTestingApp(AppModule);
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    for (const x of [a, b]) say(x, 'JOIN #a');
    [a, b].forEach(lines);
    const [x, y] = [t.connect(Lobby), t.connect(Lobby)];
    say(a, 'PRIVMSG #a :irc only');
    x.send('lobby only\n');
    expect(lines(b)).toEqual([':ann!ann@127.0.0.1 PRIVMSG #a :irc only']);
    expect(y.frames()).toEqual(['lobby only']);
    expect(t.get(Groups)).not.toBe(t.get<Groups>(IRC_GROUPS));
    expect(t.get(Groups).get('#a')?.size).toBe(2);
    expect(t.get<Groups>(IRC_GROUPS).get('#a')?.size).toBe(2);
  });

  it("a channel's group follows its members (any case of the name) and is closed with the channel", async () => {
    t = ircApp();
    const groups = t.get<Groups>(IRC_GROUPS);
    const [a, b] = [client(t, 'ann'), client(t, 'bob')];
    say(a, 'JOIN #Big');
    say(b, 'JOIN #BIG');
    const group = groups.get('#big');
    expect(group?.slowMember).toBe('disconnect');
    expect(group?.connections()).toEqual([a.connection, b.connection]);
    say(a, 'PART #big');
    expect(group?.connections()).toEqual([b.connection]);
    b.peerClose();
    await b.finished;
    expect(groups.names()).toEqual([]);
    expect(group?.isOpen).toBe(false);
    say(a, 'JOIN #big');
    expect(groups.get('#big')?.connections()).toEqual([a.connection]);
  });

  it('a client that does not read private messages is dropped at its SendQ; the sender goes on', async () => {
    t = ircApp({ sendQBytes: 4 * 1024 });
    const [a, stuck, c] = [client(t, 'ann'), client(t, 'stuck'), client(t, 'cat')];
    for (const x of [stuck, c]) say(x, 'JOIN #a');
    [a, stuck, c].forEach(lines);
    stuck.setWritable(false);
    for (let i = 0; i < 200 && !stuck.closed; i++) say(a, `PRIVMSG stuck :${i} ${'y'.repeat(60)}`);
    await stuck.finished;
    expect(stuck.closeReason?.kind).toBe('aborted');
    expect(Buffer.byteLength(stuck.text())).toBeLessThanOrEqual(4 * 1024 + 2 * 1024); // the SendQ beyond the high-water mark (half of it)
    expect(lines(c)).toEqual([':stuck!stuck@127.0.0.1 QUIT :SendQ exceeded']);
    expect(a.closed).toBe(false);
    say(a, 'PRIVMSG stuck :gone?');
    expect(lines(a).at(-1)).toBe(':irc.test 401 ann stuck :No such nick/channel');
  });
});
