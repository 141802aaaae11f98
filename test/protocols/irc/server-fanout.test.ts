import type { TestConnection, TestingApp } from 'torsion/testing';
import type { IrcSession } from 'torsion/irc';
import { client, ircApp, lines, say } from './support';

describe('IRC server: channel fanout', () => {
  let t: TestingApp;
  afterEach(() => t.close());

  it('200 members: every message reaches every other member exactly once, in order per sender; a member that never reads is dropped (SendQ exceeded) and nobody waits for it', async () => {
    t = ircApp({ sendQBytes: 16 * 1024 });
    const members: Array<TestConnection<IrcSession>> = [];
    for (let i = 0; i < 200; i++) {
      const c = client(t, `m${i}`);
      say(c, 'JOIN #big');
      members.push(c);
    }
    members.forEach(lines);
    const stuck = members[7];
    stuck.setWritable(false); // stops reading: its outgoing buffer stays full from now on
    const perSender = 5;
    const senders = members.filter((m) => m !== stuck);
    for (let round = 0; round < perSender; round++) {
      for (const [i, sender] of senders.entries()) say(sender, `PRIVMSG #big :${i} ${round} ${'x'.repeat(20)}`);
    }

    // The stuck member was dropped once its backlog passed 16 KiB, long before the others were done.
    await stuck.finished;
    expect(stuck.closeReason?.kind).toBe('aborted');
    expect(Buffer.byteLength(stuck.text())).toBeLessThan(200 * 1024); // what it was sent is bounded

    for (const [i, member] of senders.entries()) {
      const got = lines(member);
      const quits = got.filter((l) => l.includes(' QUIT '));
      expect(quits).toEqual([':m7!m7@127.0.0.1 QUIT :SendQ exceeded']);
      const messages = got.filter((l) => l.includes(' PRIVMSG #big '));
      expect(messages).toHaveLength((senders.length - 1) * perSender);
      // Plain checks per line (an expect() per line would cost 200 x 1000 matcher calls).
      const next = new Map<string, number>(); // sender -> next round expected
      const wrong: string[] = [];
      for (const line of messages) {
        const [, from, round] = /^:m\d+!\S+ PRIVMSG #big :(\d+) (\d+) x+$/.exec(line) as RegExpExecArray;
        if (from === String(i)) wrong.push(`echoed to its sender: ${line}`);
        if (Number(round) !== (next.get(from) ?? 0)) wrong.push(`out of order or repeated: ${line}`);
        next.set(from, Number(round) + 1);
      }
      expect(wrong).toEqual([]);
      expect([...next.values()].every((n) => n === perSender)).toBe(true);
    }
  });

  it('a member whose buffer drains in time is not dropped: its backlog resets', () => {
    t = ircApp({ sendQBytes: 4 * 1024 });
    const [a, slow] = [client(t, 'ann'), client(t, 'slow')];
    for (const x of [a, slow]) say(x, 'JOIN #a');
    [a, slow].forEach(lines);
    for (let burst = 0; burst < 5; burst++) {
      slow.setWritable(false);
      for (let i = 0; i < 50; i++) say(a, `PRIVMSG #a :burst ${burst} line ${i}`); // ~2 KiB, under the bound
      slow.setWritable(true);
    }
    expect(slow.closed).toBe(false);
    expect(lines(slow).filter((l) => l.includes('PRIVMSG'))).toHaveLength(250);
  });
});
