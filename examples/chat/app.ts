import { Connection, FrameTooLargeError, Listen, Module, OnClose, OnConnect, OnData, OnDrain, OnError, OptionError, Protocol, lines, type DynamicModule, type ProtocolOptions } from 'torsion';
import { CHAT_OPTIONS, ChatRoom, DEFAULT_CHAT_OPTIONS, MAX_NICK_LENGTH, type ChatOptions, type Member } from './room';
import { printable, separatorIndex } from './text';

export { CHAT_OPTIONS, ChatRoom, DEFAULT_CHAT_OPTIONS, type ChatOptions } from './room';

/** Injection token of the chat protocol's codec (`ProtocolOptions`), made from `CHAT_OPTIONS`. */
export const CHAT_PROTOCOL_OPTIONS = Symbol('CHAT_PROTOCOL_OPTIONS');

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
 * Lines from the server start with '*' (news), '!' (an error) or '<nick>' (a message).
 *
 * Its codec comes from `CHAT_PROTOCOL_OPTIONS`, resolved once when the application starts, so
 * each configuration of `ChatModule` frames lines its own way with this one class.
 */
@Listen(8001)
@Protocol({ options: CHAT_PROTOCOL_OPTIONS })
export class ChatSession {
  private member!: Member;
  private readonly maxLineLength: number;
  private readonly disconnectOverlong: boolean;

  constructor(
    private readonly room: ChatRoom,
    private readonly conn: Connection,
  ) {
    this.maxLineLength = room.options.maxLineLength;
    this.disconnectOverlong = room.options.onOverlong === 'disconnect';
  }

  /** The nickname this connection has now. */
  get nick(): string {
    return this.member.nick;
  }

  @OnConnect()
  joined(): void {
    this.member = this.room.join(this.conn);
  }

  @OnData()
  received(line: string): string | undefined {
    // Only a line that might be too long is measured (UTF-8 is at most 3 bytes per UTF-16 unit).
    if (line.length * 3 > this.maxLineLength && Buffer.byteLength(line, 'utf8') > this.maxLineLength) return this.overlong();
    if (line.charCodeAt(0) === 0x2f /* '/' */) return this.command(line);
    const text = printable(line);
    if (text.trim() === '') return undefined;
    this.room.say(this.member, text);
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
    this.room.caughtUp(this.member);
  }

  @OnClose()
  gone(): void {
    if (this.member !== undefined) this.room.leave(this.member);
  }

  private command(line: string): string | undefined {
    const space = separatorIndex(line); // a space or a tab ends the command word
    const name = printable(space === -1 ? line : line.slice(0, space)).toLowerCase();
    const arg = space === -1 ? '' : line.slice(space + 1).trim();
    switch (name) {
      case '/nick':
        return arg === '' ? '! usage: /nick NAME' : this.room.rename(this.member, arg);
      case '/who':
        for (const whoLine of this.room.who()) this.conn.send(whoLine);
        return undefined;
      case '/quit':
        this.conn.send('* bye');
        this.conn.end();
        return undefined;
      default:
        return `! unknown command ${name.length > 20 ? `${name.slice(0, 20)}...` : name}; try /nick NAME, /who or /quit`;
    }
  }

  private overlong(): string | undefined {
    const message = `! line too long (at most ${this.maxLineLength} bytes)`;
    if (!this.disconnectOverlong) return message;
    this.conn.send(message);
    this.conn.send('* bye');
    this.conn.end();
    return undefined;
  }
}

/** What `ChatModule.configure` accepts: the chat's options, and the port to listen on. */
export interface ChatModuleOptions extends Partial<ChatOptions> {
  /** Default 8001; 0 picks a free one (ask the Application which). */
  port?: number;
  /** Interface to listen on; default all. */
  host?: string;
}

/**
 * The codec for `options`:
 *
 * - 'warn' uses `lines({ failFast: false })`: an overlong line is dropped as it arrives
 *   (nothing retained) and reported to `@OnError` in its place; the member stays.
 * - 'disconnect' uses `failFast: true`: the connection fails as soon as the line is known to
 *   be too long, even if it never ends; `@OnError` answers, torsion closes.
 *
 * A lines codec has one `maxLength` for what it reads and what it writes, and what the room
 * writes is a message plus its `<nick> ` envelope, so the codec allows that envelope on top of
 * `maxLineLength`; the handler holds messages themselves to `maxLineLength`.
 */
export function chatProtocolOptions(options: ChatOptions): ProtocolOptions {
  const envelope = MAX_NICK_LENGTH + 3; // "<" nick "> "
  return { codec: lines({ maxLength: options.maxLineLength + envelope, failFast: options.onOverlong === 'disconnect' }) };
}

/**
 * Twisted's line chat as a module. Imported or bootstrapped as it is, it serves the defaults
 * ('warn', 1024-byte lines, port 8001: what `npm run example -- chat` runs);
 * `ChatModule.configure({ port, maxLineLength, onOverlong })` serves another configuration with
 * the same classes, so several may run in one process (one per application).
 */
@Module({
  protocols: [ChatSession],
  providers: [
    ChatRoom,
    { provide: CHAT_OPTIONS, useValue: DEFAULT_CHAT_OPTIONS },
    { provide: CHAT_PROTOCOL_OPTIONS, useFactory: chatProtocolOptions, inject: [CHAT_OPTIONS] },
  ],
})
export class ChatModule {
  /**
   * The chat configured by `options` (NestJS's `forRoot`): its `CHAT_OPTIONS` replace the
   * defaults, and so the codec; `port` and `host` override `@Listen(8001)`. Throws `OptionError` for
   * invalid options, here rather than when the application starts.
   */
  static configure(options: ChatModuleOptions = {}): DynamicModule {
    const { port, host, ...chat } = options;
    const config: ChatOptions = Object.freeze({ ...DEFAULT_CHAT_OPTIONS, ...chat });
    if (!Number.isInteger(config.maxLineLength) || config.maxLineLength < 64) {
      throw new OptionError(`chat: maxLineLength must be an integer >= 64, got ${config.maxLineLength}`);
    }
    if (config.onOverlong !== 'warn' && config.onOverlong !== 'disconnect') {
      throw new OptionError(`chat: onOverlong must be 'warn' or 'disconnect', got ${String(config.onOverlong)}`);
    }
    return {
      module: ChatModule,
      providers: [{ provide: CHAT_OPTIONS, useValue: config }],
      // Only what was given: an override of `port: undefined` would erase @Listen(8001)'s port.
      listen: [[ChatSession, { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) }]],
    };
  }
}
