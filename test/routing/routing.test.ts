import { BootstrapError, Module, OnCommand, OnData, OnUnknownCommand, Protocol, field, jsonLines, lines, resp, respError, routeBy, words, type ModuleImport } from 'torsion';
import { createTestingApp } from 'torsion/testing';
import { protocolApps } from '../support/protocol-app';

const app = protocolApps();

describe('routing by the first word of a line', () => {
  @Protocol({ codec: lines() })
  class Kv {
    store = new Map<string, string>();
    gets = 0;
    @OnCommand('SET') set(key: string, value: string, ...rest: string[]): string {
      this.store.set(key, [value, ...rest].join(' '));
      return 'OK';
    }
    @OnCommand('GET', { minArgs: 1, maxArgs: 1 }) get(key: string): string {
      this.gets++;
      return this.store.get(key) ?? '(nil)';
    }
    @OnCommand(['QUIT', 'EXIT']) quit(): string {
      return 'BYE';
    }
  }

  it('spreads the words after the command into the handler, case-insensitively', () => {
    const c = app(Kv).connect(Kv);
    c.send('set a hello  big\tworld\nGET a\nGeT a\n  get   a  \nexit\nQuit\n');
    expect(c.frames()).toEqual(['OK', 'hello big world', 'hello big world', 'hello big world', 'BYE', 'BYE']);
  });

  it('answers an unknown command and a blank line with the router default reply, and goes on', () => {
    const c = app(Kv).connect(Kv);
    c.send('FLY away\n\nGET x\n');
    expect(c.frames()).toEqual(["ERR unknown command 'FLY'", 'ERR no command', '(nil)']);
    expect(c.connection.state).toBe('open');
  });

  it('checks arity before the handler: too few and too many get the error reply', () => {
    const c = app(Kv).connect(Kv);
    c.send('GET\nGET a b\nGET a\n');
    expect(c.frames()).toEqual(["ERR wrong number of arguments for 'GET'", "ERR wrong number of arguments for 'GET'", '(nil)']);
    expect(c.protocol.gets).toBe(1);
  });
});

describe('unknown commands', () => {
  @Protocol({ codec: lines() })
  class WithUnknown {
    @OnCommand('PING') ping(): string {
      return 'PONG';
    }
    @OnUnknownCommand() other(command: string | undefined, ...args: string[]): string {
      return `? ${command} [${args.join(',')}]`;
    }
  }

  @Protocol({ codec: lines() })
  class WithData {
    @OnCommand('PING') ping(): string {
      return 'PONG';
    }
    @OnData() line(line: string): string {
      return `data: ${line}`;
    }
  }

  it('go to @OnUnknownCommand with the command and its arguments', () => {
    const c = app(WithUnknown).connect(WithUnknown);
    c.send('ping\nHELO there you\n');
    expect(c.frames()).toEqual(['PONG', '? HELO [there,you]']);
  });

  it('go to @OnData beside the routes when there is no @OnUnknownCommand', () => {
    const c = app(WithData).connect(WithData);
    c.send('PING\nhello world\n');
    expect(c.frames()).toEqual(['PONG', 'data: hello world']);
  });

  it("use the router's replies when the protocol configures them", () => {
    @Protocol({ codec: lines(), router: words({ replies: { unknown: (command) => `500 unrecognized: ${command}` } }) })
    class Smtpish {
      @OnCommand('NOOP') noop(): string {
        return '250 OK';
      }
    }
    const c = app(Smtpish).connect(Smtpish);
    c.send('VRFY x\nnoop\n');
    expect(c.frames()).toEqual(['500 unrecognized: VRFY', '250 OK']);
  });

  it('pass the frame to every router reply, so a reply can quote it (an IMAP tag)', () => {
    const tagOf = (frame: unknown): string => String(frame).split(' ')[0];
    @Protocol({
      codec: lines(),
      router: routeBy((line: string) => line.split(' ')[1], (line: string) => line.split(' ').slice(2), {
        state: 'phase',
        replies: {
          unknown: (_command, frame) => `${tagOf(frame)} BAD unknown`,
          arity: (_command, count, frame) => `${tagOf(frame)} BAD ${count} arguments`,
          sequence: (_command, frame) => `${tagOf(frame)} BAD not now`,
        },
      }),
    })
    class Tagged {
      phase = 'new';
      @OnCommand('LOGIN', { minArgs: 2, maxArgs: 2, when: 'new' }) login(): string {
        this.phase = 'in';
        return 'OK';
      }
    }
    const c = app(Tagged).connect(Tagged);
    c.send('a1 NOPE\na2 LOGIN x\na3 LOGIN x y\na4 LOGIN x y\n');
    expect(c.frames()).toEqual(['a1 BAD unknown', 'a2 BAD 1 arguments', 'OK', 'a4 BAD not now']);
  });
});

describe('routing by the first element of a RESP array', () => {
  @Protocol({ codec: resp({ output: 'string' }) })
  class Redisish {
    @OnCommand('ECHO', { minArgs: 1, maxArgs: 1 }) echo(message: string): string {
      return message;
    }
    @OnCommand('MSET') mset(...pairs: string[]): number {
      return pairs.length / 2;
    }
  }

  it('spreads the rest of the array, matching the command whatever its case', () => {
    const c = app(Redisish).connect(Redisish);
    c.send('*2\r\n$4\r\necho\r\n$2\r\nhi\r\n*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\nECHO inline\r\n');
    expect(c.text()).toBe('$2\r\nhi\r\n:2\r\n$6\r\ninline\r\n');
  });

  it('answers unknown commands and wrong arity with RESP errors, and a command with CR LF inside safely', () => {
    const c = app(Redisish).connect(Redisish);
    c.send('*1\r\n$4\r\nECHO\r\n*1\r\n$5\r\nNO\r\nX\r\n');
    expect(c.text()).toBe("-ERR wrong number of arguments for 'echo' command\r\n-ERR unknown command 'NO??X'\r\n");
    expect(c.connection.state).toBe('open');
  });
});

describe('routing by a JSON field', () => {
  @Protocol({ codec: jsonLines(), router: field('type') })
  class Chat {
    @OnCommand('join') join(message: { room: string }): object {
      return { joined: message.room };
    }
  }

  it('passes the message to the handler; case-sensitive; a message without the field is unknown', () => {
    const c = app(Chat).connect(Chat);
    c.send('{"type":"join","room":"a"}\n{"type":"JOIN","room":"b"}\n{"room":"c"}\n');
    expect(c.frames()).toEqual([{ joined: 'a' }, { error: 'unknown command', command: 'JOIN' }, { error: 'unknown command', command: null }]);
  });

  it('spreads an args field when the router names one', () => {
    @Protocol({ codec: jsonLines(), router: field('op', { args: 'args' }) })
    class Calc {
      @OnCommand('add', { minArgs: 2 }) add(...numbers: number[]): number {
        return numbers.reduce((a, b) => a + b, 0);
      }
    }
    const c = app(Calc).connect(Calc);
    c.send('{"op":"add","args":[1,2,3]}\n{"op":"add","args":[1]}\n');
    expect(c.frames()).toEqual([6, { error: 'wrong number of arguments', command: 'add', count: 1 }]);
  });
});

describe('routing by a user function', () => {
  // IRC-like: an optional ":prefix", the command, params, and a trailing ":param with spaces".
  function ircKey(line: string): string | undefined {
    const words = line.replace(/^:\S+\s+/, '').split(' ');
    return words[0] === '' ? undefined : words[0];
  }
  function ircArgs(line: string): string[] {
    const body = line.replace(/^:\S+\s+/, '');
    const trailing = body.indexOf(' :');
    const head = (trailing === -1 ? body : body.slice(0, trailing)).split(' ').slice(1).filter((w) => w !== '');
    return trailing === -1 ? head : [...head, body.slice(trailing + 2)];
  }

  @Protocol({ codec: lines(), router: routeBy(ircKey, ircArgs, { caseInsensitive: true }) })
  class Irc {
    @OnCommand('PRIVMSG', { minArgs: 2, maxArgs: 2 }) privmsg(target: string, text: string): string {
      return `${target} <- ${text}`;
    }
  }

  it('routes with the functions given', () => {
    const c = app(Irc).connect(Irc);
    c.send(':nick!u@h privmsg #room :hello there\nPRIVMSG bob :hi\n');
    expect(c.frames()).toEqual(['#room <- hello there', 'bob <- hi']);
  });
});

describe('state conditions', () => {
  type Phase = 'connected' | 'greeted' | 'mail' | 'rcpt' | 'data';

  @Protocol({ codec: lines(), router: words({ state: 'phase', replies: { sequence: () => '503 5.5.1 Bad sequence of commands' } }) })
  class Smtp {
    phase: Phase = 'connected';
    @OnCommand(['HELO', 'EHLO'], { minArgs: 1 }) helo(): string {
      this.phase = 'greeted';
      return '250 hello';
    }
    @OnCommand('MAIL', { when: 'greeted' }) mail(): string {
      this.phase = 'mail';
      return '250 OK';
    }
    @OnCommand('RCPT', { when: ['mail', 'rcpt'] }) rcpt(): string {
      this.phase = 'rcpt';
      return '250 OK';
    }
    @OnCommand('DATA', { when: (p: Smtp) => p.phase === 'rcpt' }) data(): string {
      this.phase = 'data';
      return '354 go ahead';
    }
  }

  it('answers a command out of sequence with the sequence reply, without reaching the handler', () => {
    const c = app(Smtp).connect(Smtp);
    c.send('MAIL FROM:<a@b>\nDATA\nHELO me\nRCPT TO:<c@d>\nMAIL FROM:<a@b>\nRCPT TO:<c@d>\nRCPT TO:<e@f>\nDATA\n');
    expect(c.frames()).toEqual([
      '503 5.5.1 Bad sequence of commands',
      '503 5.5.1 Bad sequence of commands',
      '250 hello',
      '503 5.5.1 Bad sequence of commands',
      '250 OK',
      '250 OK',
      '250 OK',
      '354 go ahead',
    ]);
    expect(c.protocol.phase).toBe('data');
  });

  it('refuses a state condition when the router names no state field', () => {
    @Protocol({ codec: lines() })
    class NoState {
      @OnCommand('DATA', { when: 'rcpt' }) data(): string {
        return '';
      }
    }
    expect(() => app(NoState)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_INVALID_OPTION', message: expect.stringContaining("words({ state: 'phase' })") }));
  });
});

describe('bootstrap checks', () => {
  function bootError(protocol: Function): BootstrapError {
    @Module({ protocols: [protocol as never] })
    class M {}
    try {
      createTestingApp(M as ModuleImport);
    } catch (error) {
      return error as BootstrapError;
    }
    throw new Error('bootstrap did not fail');
  }

  it('refuses a command routed to two methods, naming the class and both methods', () => {
    @Protocol({ codec: lines() })
    class Twice {
      @OnCommand(['QUIT', 'EXIT']) quit(): void {}
      @OnCommand('exit') leave(): void {}
    }
    const error = bootError(Twice);
    expect(error).toBeInstanceOf(BootstrapError);
    expect(error.code).toBe('TORSION_ERR_DUPLICATE_ROUTE');
    expect(error.target).toBe('Twice');
    expect(error.message).toContain('quit and leave');
  });

  it('refuses routes when neither the protocol nor its codec gives a router', () => {
    @Protocol({ codec: jsonLines() })
    class NoRouter {
      @OnCommand('join') join(): void {}
    }
    expect(bootError(NoRouter).code).toBe('TORSION_ERR_NO_ROUTER');
  });

  it('refuses a bad arity option and @OnCommand on a property', () => {
    @Protocol({ codec: lines() })
    class BadArity {
      @OnCommand('GET', { minArgs: 2, maxArgs: 1 }) get(): void {}
    }
    expect(bootError(BadArity).code).toBe('TORSION_ERR_INVALID_OPTION');
    class OnField {
      @OnCommand('GET') get = (): void => {};
    }
    Protocol({ codec: lines() })(OnField);
    expect(bootError(OnField).code).toBe('TORSION_ERR_HANDLER_NOT_METHOD');
  });

  it('accepts a protocol with routes and no @OnData', () => {
    @Protocol({ codec: resp() })
    class OnlyRoutes {
      @OnCommand('PING') ping(): unknown {
        return respError('ERR nope');
      }
    }
    const c = app(OnlyRoutes).connect(OnlyRoutes);
    c.send('PING\r\n');
    expect(c.text()).toBe('-ERR nope\r\n');
  });
});
