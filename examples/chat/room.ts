import { randomBytes } from 'node:crypto';
import { Connection, Groups, inject, injectable, type Group } from 'torsion';

/** How the chat treats long lines, and where its room lives; give it to `ChatModule.configure(options)`. */
export interface ChatOptions {
  /** Longest message a member may send, in UTF-8 bytes. Default 1024. */
  maxLineLength: number;
  /**
   * A line over `maxLineLength`: 'warn' (default) answers it with an error line and the member
   * stays; 'disconnect' answers it with an error line and closes the connection.
   */
  onOverlong: 'warn' | 'disconnect';
  /** The group the members share: every process with the same Redis and room name is one room. Default 'chat'. */
  room: string;
}

/** Injection token of the `ChatOptions` in effect (`ChatModule` provides the defaults, `configure` replaces them). */
export const CHAT_OPTIONS = Symbol('CHAT_OPTIONS');
export const DEFAULT_CHAT_OPTIONS: ChatOptions = Object.freeze({ maxLineLength: 1024, onOverlong: 'warn', room: 'chat' });

/** Nicknames: 1 to 20 characters, ASCII letters, digits, '_' and '-', starting with a letter. */
export const MAX_NICK_LENGTH = 20;
const VALID_NICK = /^[A-Za-z][A-Za-z0-9_-]{0,19}$/;
/** Assigned on connect (`guest-<connection id>`), so nobody may pick one: they stay unique. */
const GUEST_PREFIX = 'guest-';

/** One member of the room here: its nickname and its connection. */
export class Member {
  constructor(
    public nick: string,
    readonly conn: Connection,
  ) {}
}

function nickKey(nick: string): string {
  return nick.toLowerCase();
}

/**
 * The room (a singleton: one per application, shared by every connection): who is here under
 * which nickname, and a broadcast `Group` that carries every line to the members, of this
 * process and, with a Redis adapter, of every other process in the room.
 *
 * Nicknames and `/who` are this process's: with several processes, two members on different
 * ones may pick the same nickname (guest names carry a per-process tag so they stay apart).
 *
 * A slow reader never makes the server buffer without bound: the group skips a member whose
 * connection is not writable and counts what it missed (`missedLines`), told when it drains.
 */
@injectable()
export class ChatRoom {
  /** In order of arrival. */
  private readonly members = new Set<Member>();
  /** By lower-cased nickname: nicknames are unique (here) regardless of case. */
  private readonly byNick = new Map<string, Member>();
  private readonly group: Group;
  /** '' alone; a random tag per process when the room spans processes, so guest names do not clash. */
  private readonly guestTag: string;

  constructor(
    @inject(CHAT_OPTIONS) readonly options: ChatOptions,
    groups: Groups,
  ) {
    this.group = groups.group(options.room, { slowMember: 'skip' });
    this.guestTag = groups.adapterName === 'local' ? '' : `${randomBytes(2).toString('hex')}-`;
  }

  get size(): number {
    return this.members.size;
  }

  /** Nicknames present here, in order of arrival. */
  nicknames(): string[] {
    return [...this.members].map((m) => m.nick);
  }

  /** Adds the connection as `guest-<id>`; returns the member and its welcome line. */
  join(conn: Connection): { member: Member; welcome: string } {
    const member = new Member(`${GUEST_PREFIX}${this.guestTag}${conn.id}`, conn);
    this.members.add(member);
    this.byNick.set(nickKey(member.nick), member);
    this.group.broadcast(`* ${member.nick} joined`);
    this.group.add(conn);
    return { member, welcome: `* welcome, ${member.nick}! ${this.members.size} here; commands: /nick NAME, /who, /quit` };
  }

  /** Removes the member (once) and tells the others. */
  leave(member: Member): void {
    if (!this.members.delete(member)) return;
    this.byNick.delete(nickKey(member.nick));
    this.group.remove(member.conn);
    this.group.broadcast(`* ${member.nick} left`);
  }

  /** A chat line from `member` to everyone else. */
  say(member: Member, text: string): void {
    this.group.broadcast(`<${member.nick}> ${text}`, { except: member.conn });
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
    if (old !== wanted) this.group.broadcast(`* ${old} is now ${wanted}`, { except: member.conn });
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

  /** The member's connection drained: the line telling it how much it missed meanwhile, if anything. */
  missedLines(member: Member): string | undefined {
    const missed = this.group.takeMissed(member.conn);
    if (missed === 0) return undefined;
    return `* you missed ${missed} line${missed === 1 ? '' : 's'} while your connection was not reading`;
  }
}
