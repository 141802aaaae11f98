import {
  Catch, Connection, ForbiddenError, FrameTooLargeError, GROUPS_OPTIONS, Groups, Listen, Module, OnClose, OnCommand, OnConnect, OnData, OnDrain, OnError,
  OptionError, Protocol, RedisGroupAdapter, UseFilters, UseGuards, inject, injectable, lines, words,
  type DynamicModule, type ExceptionFilter, type Guard, type GroupsOptions, type ProtocolOptions, type RouteContext,
} from 'torsion';
import { CHAT_OPTIONS, ChatRoom, DEFAULT_CHAT_OPTIONS, MAX_NICK_LENGTH, type ChatOptions, type Member } from './room';
import { printable, separatorIndex } from './text';

export { CHAT_OPTIONS, ChatRoom, DEFAULT_CHAT_OPTIONS, type ChatOptions } from './room';

/** Injection token of the chat protocol's codec (`ProtocolOptions`), made from `CHAT_OPTIONS`. */
export const CHAT_PROTOCOL_OPTIONS = Symbol('CHAT_PROTOCOL_OPTIONS');

/** A guard on every line, commands included: a message over `maxLineLength` bytes goes no further. */
@injectable()
class WithinLineLimit implements Guard {
  private readonly max: number;
  constructor(@inject(CHAT_OPTIONS) options: ChatOptions) {
    this.max = options.maxLineLength;
  }
  canActivate({ frame }: RouteContext): boolean {
    const line = frame as string;
    // Only a line that might be too long is measured (UTF-8 is at most 3 bytes per UTF-16 unit).
    return line.length * 3 <= this.max || Buffer.byteLength(line, 'utf8') <= this.max;
  }
}

/** What the guard denied is answered as an overlong line ('warn': an error line; 'disconnect': error line, bye, close). */
@Catch(ForbiddenError)
class OverlongLine implements ExceptionFilter {
  catch(_error: ForbiddenError, { protocol }: RouteContext<ChatSession>): string | undefined {
    return protocol.overlong();
  }
}

/**
 * Twisted's classic line chat (the `Chat(LineReceiver)` of its howto), on port 8001:
 *
 *   - on connect a member is named `guest-<id>` and welcomed; the others are told it joined;
 *   - every line is sent to every other member as `<nick> line`, its control characters made
 *     spaces (text.ts: a `\r` or an ESC sequence must not act on the others' terminals);
 *   - `/nick NAME` renames (validated, unique regardless of case), `/who` lists the members,
 *     `/quit` says bye and closes; a member that leaves, however it leaves, is announced;
 *   - a line longer than `maxLineLength` gets an error line, and the member stays ('warn') or
 *     is disconnected ('disconnect'), per `ChatOptions`.
 *
 * Lines from the server start with '*' (news), '!' (an error) or '<nick>' (a message). Commands
 * are routes (`@OnCommand`, the `words()` router of `lines()`); everything else reaches `@OnData`.
 * The room is a broadcast group: with `redisUrl`, one room across every process sharing that Redis.
 *
 * Its codec comes from `CHAT_PROTOCOL_OPTIONS`, resolved once when the application starts, so
 * each configuration of `ChatModule` frames lines its own way with this one class.
 */
@Listen(8001)
@UseGuards(WithinLineLimit)
@UseFilters(OverlongLine)
@Protocol({ options: CHAT_PROTOCOL_OPTIONS, router: words() })
export class ChatSession {
  private member!: Member;

  constructor(
    private readonly room: ChatRoom,
    private readonly conn: Connection,
  ) {}

  /** The nickname this connection has now. */
  get nick(): string {
    return this.member.nick;
  }

  @OnConnect()
  joined(): string {
    const { member, welcome } = this.room.join(this.conn);
    this.member = member;
    return welcome;
  }

  @OnCommand('/nick')
  rename(...words: string[]): string {
    return words.length === 0 ? '! usage: /nick NAME' : this.room.rename(this.member, words.join(' '));
  }

  @OnCommand('/who')
  who(): void {
    for (const line of this.room.who()) this.conn.send(line);
  }

  @OnCommand('/quit')
  quit(): void {
    this.conn.send('* bye');
    this.conn.end();
  }

  /** A chat line, or a command no route knows. */
  @OnData()
  said(line: string): string | undefined {
    if (line.charCodeAt(0) === 0x2f /* '/' */) return this.unknown(line);
    const text = printable(line);
    if (text.trim() !== '') this.room.say(this.member, text);
    return undefined;
  }

  /**
   * 'warn' (`failFast: false`): the codec dropped an overlong line and reports it here, in the
   * line's place, and the connection goes on. 'disconnect' (`failFast: true`): the codec failed
   * the connection; this reply is written before torsion closes it. Anything else is a bug here.
   */
  @OnError()
  failed(error: Error): string | undefined {
    if (error instanceof FrameTooLargeError) return this.overlong();
    return '! internal error, sorry';
  }

  @OnDrain()
  drained(): void {
    const missed = this.room.missedLines(this.member);
    if (missed !== undefined) this.conn.send(missed);
  }

  @OnClose()
  gone(): void {
    if (this.member !== undefined) this.room.leave(this.member);
  }

  /** The answer to a line over the limit; with 'disconnect', the bye and the close too. */
  overlong(): string | undefined {
    const { maxLineLength, onOverlong } = this.room.options;
    const message = `! line too long (at most ${maxLineLength} bytes)`;
    if (onOverlong !== 'disconnect') return message;
    this.conn.send(message);
    this.conn.send('* bye');
    this.conn.end();
    return undefined;
  }

  private unknown(line: string): string {
    const end = separatorIndex(line); // a space or a tab ends the command word
    const name = printable(end === -1 ? line : line.slice(0, end)).toLowerCase();
    return `! unknown command ${name.length > 20 ? `${name.slice(0, 20)}...` : name}; try /nick NAME, /who or /quit`;
  }
}

/** What `ChatModule.configure` accepts: the chat's options, the port to listen on, and Redis. */
export interface ChatModuleOptions extends Partial<ChatOptions> {
  /** Default 8001; 0 picks a free one (ask the Application which). */
  port?: number;
  /** Interface to listen on; default all. */
  host?: string;
  /** `redis://host:port`: one room across every process using this Redis. Default none (this process only). */
  redisUrl?: string;
}

/**
 * The codec for `options`:
 *
 * - 'warn' uses `lines({ failFast: false })`: an overlong line is dropped as it arrives
 *   (nothing retained) and reported to `@OnError` in its place; the member stays.
 * - 'disconnect' uses `failFast: true`: the connection fails as soon as the line is known to
 *   be too long, even if it never ends; `@OnError` answers, torsion closes.
 *
 * The codec allows a command word and the `<nick> ` envelope on top of `maxLineLength`; the
 * guard holds every line itself to `maxLineLength`.
 */
export function chatProtocolOptions(options: ChatOptions): ProtocolOptions {
  const envelope = MAX_NICK_LENGTH + 3; // "<" nick "> "
  return { codec: lines({ maxLength: options.maxLineLength + envelope, failFast: options.onOverlong === 'disconnect' }) };
}

/**
 * Twisted's line chat as a module. Imported or bootstrapped as it is, it serves the defaults
 * ('warn', 1024-byte lines, port 8001, a room of this process: what `npm run example -- chat`
 * runs without REDIS_URL); `ChatModule.configure({ port, maxLineLength, onOverlong, redisUrl })`
 * serves another configuration with the same classes, so several may run in one process (one
 * per application). It provides its own `Groups` (rather than importing `GroupsModule`) so that
 * `configure` can choose the adapter.
 */
@Module({
  protocols: [ChatSession],
  providers: [
    ChatRoom,
    WithinLineLimit,
    Groups,
    { provide: GROUPS_OPTIONS, useValue: {} },
    { provide: CHAT_OPTIONS, useValue: DEFAULT_CHAT_OPTIONS },
    { provide: CHAT_PROTOCOL_OPTIONS, useFactory: chatProtocolOptions, inject: [CHAT_OPTIONS] },
  ],
})
export class ChatModule {
  /**
   * The chat configured by `options` (NestJS's `forRoot`): its `CHAT_OPTIONS` replace the
   * defaults, and so the codec; `port` and `host` override `@Listen(8001)`; `redisUrl` puts the
   * room on Redis (an adapter per application). Throws `OptionError` for invalid options, here
   * rather than when the application starts.
   */
  static configure(options: ChatModuleOptions = {}): DynamicModule {
    const { port, host, redisUrl, ...chat } = options;
    const config: ChatOptions = Object.freeze({ ...DEFAULT_CHAT_OPTIONS, ...chat });
    if (!Number.isInteger(config.maxLineLength) || config.maxLineLength < 64) {
      throw new OptionError(`chat: maxLineLength must be an integer >= 64, got ${config.maxLineLength}`);
    }
    if (config.onOverlong !== 'warn' && config.onOverlong !== 'disconnect') {
      throw new OptionError(`chat: onOverlong must be 'warn' or 'disconnect', got ${String(config.onOverlong)}`);
    }
    if (typeof config.room !== 'string' || config.room === '') throw new OptionError(`chat: room must be a non-empty string, got ${String(config.room)}`);
    if (redisUrl !== undefined) new RedisGroupAdapter({ url: redisUrl }); // checks the URL now; connects nothing
    const groups = (): GroupsOptions => (redisUrl === undefined ? {} : { adapter: new RedisGroupAdapter({ url: redisUrl }) });
    return {
      module: ChatModule,
      providers: [
        { provide: CHAT_OPTIONS, useValue: config },
        { provide: GROUPS_OPTIONS, useFactory: groups },
      ],
      // Only what was given: an override of `port: undefined` would erase @Listen(8001)'s port.
      listen: [[ChatSession, { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) }]],
    };
  }
}
