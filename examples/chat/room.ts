import { Connection, inject, injectable } from 'torsion';

/** How the chat treats long lines; give it to `ChatModule.configure(options)`. */
export interface ChatOptions {
  /** Longest message a member may send, in UTF-8 bytes. Default 1024. */
  maxLineLength: number;
  /**
   * A line over `maxLineLength`: 'warn' (default) answers it with an error line and the member
   * stays; 'disconnect' answers it with an error line and closes the connection.
   */
  onOverlong: 'warn' | 'disconnect';
}

/** Injection token of the `ChatOptions` in effect (`ChatModule` provides the defaults, `configure` replaces them). */
export const CHAT_OPTIONS = Symbol('CHAT_OPTIONS');
export const DEFAULT_CHAT_OPTIONS: ChatOptions = Object.freeze({ maxLineLength: 1024, onOverlong: 'warn' });

/** Nicknames: 1 to 20 characters, ASCII letters, digits, '_' and '-', starting with a letter. */
export const MAX_NICK_LENGTH = 20;
const VALID_NICK = /^[A-Za-z][A-Za-z0-9_-]{0,19}$/;
/** Assigned on connect (`guest-<connection id>`), so nobody may pick one: they stay unique. */
const GUEST_PREFIX = 'guest-';

/** One member of the room: its nickname and the connection its lines are sent on. */
export class Member {
  /** True while the member's outgoing buffer is full: broadcasts to it are skipped, and counted. */
  lagging = false;
  missed = 0;

  constructor(
    public nick: string,
    readonly conn: Connection,
  ) {}
}

function nickKey(nick: string): string {
  return nick.toLowerCase();
}

/**
 * Every line the server writes fits the smallest line limit (64 bytes plus the envelope): the
 * codec refuses to write a longer one, so nothing a peer typed is echoed at unbounded length.
 *
 * The room (a singleton: one per application, shared by every connection): who is here under
 * which nickname, and the broadcasts. It keeps each member's `Connection` and writes to the
 * others with `conn.send(line)` (the lines codec adds the '\n').
 *
 * A slow reader never makes the server buffer without bound: once `send` reports its outgoing
 * buffer full, broadcasts to it are skipped (and counted) until it drains (`caughtUp`).
 */
@injectable()
export class ChatRoom {
  /** In order of arrival. */
  private readonly members = new Set<Member>();
  /** By lower-cased nickname: nicknames are unique regardless of case. */
  private readonly byNick = new Map<string, Member>();

  constructor(@inject(CHAT_OPTIONS) readonly options: ChatOptions) {}

  get size(): number {
    return this.members.size;
  }

  /** Nicknames present, in order of arrival. */
  nicknames(): string[] {
    return [...this.members].map((m) => m.nick);
  }

  join(conn: Connection): Member {
    const member = new Member(`${GUEST_PREFIX}${conn.id}`, conn);
    this.members.add(member);
    this.byNick.set(nickKey(member.nick), member);
    this.deliver(member, `* welcome, ${member.nick}! ${this.members.size} here; commands: /nick NAME, /who, /quit`);
    this.broadcast(member, `* ${member.nick} joined`);
    return member;
  }

  /** Removes the member (once) and tells the others. */
  leave(member: Member): void {
    if (!this.members.delete(member)) return;
    this.byNick.delete(nickKey(member.nick));
    this.broadcast(member, `* ${member.nick} left`);
  }

  /** A chat line from `member` to everyone else. */
  say(member: Member, text: string): void {
    this.broadcast(member, `<${member.nick}> ${text}`);
  }

  /** Renames `member`; returns the line for it (a confirmation, or an error line). */
  rename(member: Member, wanted: string): string {
    if (!VALID_NICK.test(wanted)) return `! invalid nickname (1-${MAX_NICK_LENGTH} of A-Z a-z 0-9 _ -, starting with a letter)`;
    if (nickKey(wanted).startsWith(GUEST_PREFIX)) return `! nicknames starting with ${GUEST_PREFIX} are reserved`;
    const holder = this.byNick.get(nickKey(wanted));
    if (holder !== undefined && holder !== member) return `! nickname ${wanted} is taken`;
    const old = member.nick;
    this.byNick.delete(nickKey(old));
    member.nick = wanted;
    this.byNick.set(nickKey(wanted), member);
    if (old !== wanted) this.broadcast(member, `* ${old} is now ${wanted}`);
    return `* you are now ${wanted}`;
  }

  /** The /who answer: as many lines as needed to stay within the line limit. */
  who(): string[] {
    const names = this.nicknames();
    const lines: string[] = [];
    let line = `* ${names.length} here:`;
    const limit = this.options.maxLineLength;
    for (const name of names) {
      if (line.length + 1 + name.length > limit) {
        lines.push(line);
        line = '*';
      }
      line += ` ${name}`;
    }
    lines.push(line);
    return lines;
  }

  /** The member's buffer drained: deliver again, telling it how much it missed. */
  caughtUp(member: Member): void {
    member.lagging = false;
    if (member.missed === 0) return;
    const missed = member.missed;
    member.missed = 0;
    this.deliver(member, `* you missed ${missed} line${missed === 1 ? '' : 's'} while your connection was not reading`);
  }

  private broadcast(from: Member, line: string): void {
    for (const member of this.members) if (member !== from) this.deliver(member, line);
  }

  private deliver(member: Member, line: string): void {
    if (member.lagging) {
      member.missed++;
      return;
    }
    if (!member.conn.send(line)) member.lagging = true;
  }
}
