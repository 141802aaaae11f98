import {
  Catch, ForbiddenError, Module, OnCommand, OnData, OnError, Protocol, Reactor, TorsionError, UseFilters, UseGuards, UseInterceptors,
  injectable, isThenable, lines, type ExceptionFilter, type Guard, type Interceptor, type RouteContext,
} from 'torsion';
import { createTestingApp, type TestingApp, type TestingAppOptions } from 'torsion/testing';

let t: TestingApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function app(protocol: Function, options: TestingAppOptions = {}, providers: Function[] = []): TestingApp {
  @Module({ protocols: [protocol as never], providers: providers as never[] })
  class M {}
  t = createTestingApp(M, options);
  return t;
}

/** IRC's rule: nothing but NICK/USER before registration. */
class Registered implements Guard {
  canActivate(context: RouteContext<{ registered: boolean }>): boolean {
    return context.protocol.registered || context.route === 'NICK';
  }
}

@Catch(ForbiddenError)
class NotRegistered implements ExceptionFilter<ForbiddenError> {
  catch(error: ForbiddenError, context: RouteContext): string {
    return `451 ${context.command} :You have not registered (${error.code})`;
  }
}

describe('guards', () => {
  @UseGuards(Registered)
  @UseFilters(NotRegistered)
  @Protocol({ codec: lines() })
  class Irc {
    registered = false;
    @OnCommand('NICK') nick(name: string): string {
      this.registered = true;
      return `welcome ${name}`;
    }
    @OnCommand('JOIN') join(channel: string): string {
      return `joined ${channel}`;
    }
  }

  it('deny a frame before the handler; the filter answers and the connection goes on', () => {
    const c = app(Irc).connect(Irc);
    c.send('JOIN #a\nNICK bob\nJOIN #a\n');
    expect(c.frames()).toEqual(['451 JOIN :You have not registered (TORSION_ERR_FORBIDDEN)', 'welcome bob', 'joined #a']);
    expect(c.connection.state).toBe('open');
  });

  it("without a filter, a denial gets the router's forbidden reply", () => {
    @Protocol({ codec: lines() })
    class Locked {
      @UseGuards({ canActivate: () => false }) @OnCommand('OPEN') open(): string {
        return 'opened';
      }
      @OnCommand('PING') ping(): string {
        return 'PONG';
      }
    }
    const c = app(Locked).connect(Locked);
    c.send('OPEN\nPING\n');
    expect(c.frames()).toEqual(["ERR forbidden: 'OPEN'", 'PONG']);
  });

  it('may be async: the frames after it wait, and replies keep frame order', async () => {
    @injectable()
    class SlowAuth implements Guard {
      constructor(private readonly reactor: Reactor) {}
      canActivate(context: RouteContext): Promise<boolean> {
        return new Promise((resolve) => this.reactor.callLater(50, () => resolve(context.args[0] !== 'nobody')));
      }
    }
    @Protocol({ codec: lines() })
    class Pipelined {
      @UseGuards(SlowAuth) @OnCommand('AUTH') auth(user: string): string {
        return `hello ${user}`;
      }
      @OnCommand('PING') ping(): string {
        return 'PONG';
      }
    }
    const c = app(Pipelined).connect(Pipelined);
    c.send('AUTH alice\nPING\nAUTH nobody\nPING\n');
    expect(c.frames()).toEqual([]); // the first guard holds everything behind it
    await t!.advance(50);
    expect(c.frames()).toEqual(['hello alice', 'PONG']);
    await t!.advance(50);
    expect(c.frames()).toEqual(['hello alice', 'PONG', "ERR forbidden: 'AUTH'", 'PONG']);
  });

  it('see the connection, the route and the parsed arguments', () => {
    const seen: unknown[] = [];
    @Protocol({ codec: lines() })
    class Seen {
      @UseGuards({ canActivate: (ctx: RouteContext) => (seen.push([ctx.connection.remoteAddress, ctx.command, ctx.route, ctx.method, ctx.args, ctx.frame]), true) })
      @OnCommand(['SAY', 'TELL']) say(...words: string[]): string {
        return words.join('+');
      }
    }
    const c = app(Seen).connect(Seen, { peer: { address: '192.0.2.7', port: 1 } });
    c.send('tell a  b\n');
    expect(c.frames()).toEqual(['a+b']);
    expect(seen).toEqual([['192.0.2.7', 'tell', 'SAY', 'say', ['a', 'b'], 'tell a  b']]);
  });

  it('guard a plain @OnData protocol too', () => {
    @UseGuards({ canActivate: (ctx: RouteContext) => ctx.frame !== 'secret' })
    @Protocol({ codec: lines() })
    class Plain {
      @OnData() line(line: string): string {
        return line.toUpperCase();
      }
    }
    const c = app(Plain).connect(Plain);
    c.send('a\nsecret\nb\n');
    expect(c.frames()).toEqual(['A', 'B']);
  });
});

class Boom extends Error {}

@Catch(Boom)
class BoomToReply implements ExceptionFilter<Boom> {
  catch(error: Boom): string {
    return `handled: ${error.message}`;
  }
}

describe('exception filters', () => {
  @Catch()
  class ProtocolLevel implements ExceptionFilter {
    catch(error: Error): string {
      return `protocol: ${error.message}`;
    }
  }

  @UseFilters(ProtocolLevel)
  @Protocol({ codec: lines() })
  class Failing {
    @UseFilters(BoomToReply) @OnCommand('BOOM') boom(): string {
      throw new Boom('boom');
    }
    @OnCommand('FAIL') fail(): string {
      throw new Error('plain');
    }
    @OnCommand('LATER') async later(): Promise<string> {
      await Promise.resolve();
      throw new Boom('async');
    }
  }

  it('answer per handler first, then per protocol; the connection goes on', async () => {
    const c = app(Failing).connect(Failing);
    c.send('BOOM\nFAIL\nLATER\nBOOM\n');
    await t!.settle();
    expect(c.frames()).toEqual(['handled: boom', 'protocol: plain', 'protocol: async', 'handled: boom']);
    expect(c.connection.state).toBe('open');
  });

  it('app-wide filters come last, before @OnError; an error none catches goes to @OnError and closes', () => {
    @Catch(TorsionError)
    class AppLevel implements ExceptionFilter<TorsionError> {
      catch(error: TorsionError): string {
        return `app: ${error.code}`;
      }
    }
    @Protocol({ codec: lines() })
    class Mixed {
      @UseFilters(BoomToReply) @OnCommand('TYPED') typed(): string {
        throw new TorsionError('TORSION_ERR_X', 'x');
      }
      @OnCommand('OTHER') other(): string {
        throw new RangeError('nobody catches this');
      }
      @OnError() failed(error: Error): string {
        return `onError: ${error.message}`;
      }
    }
    const c = app(Mixed, { filters: [AppLevel] }).connect(Mixed);
    c.send('TYPED\nOTHER\nTYPED\n');
    expect(c.frames()).toEqual(['app: TORSION_ERR_X', 'onError: nobody catches this']);
    expect(c.closeReason?.kind).toBe('error');
  });

  it('a filter that throws leaves the error unhandled: @OnError answers and the connection closes', () => {
    @Protocol({ codec: lines() })
    class Rethrow {
      @UseFilters({ catch: (error: unknown) => { throw error; } }) @OnCommand('X') x(): string {
        throw new Boom('fatal');
      }
      @OnError() failed(error: Error): string {
        return `bye: ${error.message}`;
      }
    }
    const c = app(Rethrow).connect(Rethrow);
    c.send('X\n');
    expect(c.frames()).toEqual(['bye: fatal']);
    expect(c.closeReason?.kind).toBe('error');
  });

  it('app-wide filters cover plain @OnData protocols', () => {
    @Protocol({ codec: lines() })
    class Plain {
      @OnData() line(): string {
        throw new Boom('in onData');
      }
    }
    const c = app(Plain, { filters: [new BoomToReply()] }).connect(Plain);
    c.send('a\nb\n');
    expect(c.frames()).toEqual(['handled: in onData', 'handled: in onData']);
  });
});

describe('interceptors', () => {
  /** Times each call on the reactor clock, without making a sync handler async. */
  @injectable()
  class Timing implements Interceptor {
    readonly log: string[] = [];
    constructor(private readonly reactor: Reactor) {}
    intercept(context: RouteContext, next: () => unknown): unknown {
      const start = this.reactor.clock.now();
      const result = next();
      const done = (): void => void this.log.push(`${context.route} ${this.reactor.clock.now() - start}ms`);
      if (!isThenable(result)) {
        done();
        return result;
      }
      return Promise.resolve(result).finally(done);
    }
  }

  class Upper implements Interceptor {
    intercept(_context: RouteContext, next: () => unknown): unknown {
      const result = next();
      return isThenable(result) ? Promise.resolve(result).then((v) => String(v).toUpperCase()) : String(result).toUpperCase();
    }
  }

  class Recover implements Interceptor {
    intercept(_context: RouteContext, next: () => unknown): unknown {
      try {
        const result = next();
        return isThenable(result) ? Promise.resolve(result).catch((error: Error) => `recovered ${error.message}`) : result;
      } catch (error) {
        return `recovered ${(error as Error).message}`;
      }
    }
  }

  @UseInterceptors(Timing)
  @Protocol({ codec: lines() })
  class Wrapped {
    constructor(private readonly reactor: Reactor) {}
    @UseInterceptors(Upper) @OnCommand('HI') hi(name: string): string {
      return `hi ${name}`;
    }
    @UseInterceptors(Upper) @OnCommand('SLOW') slow(): Promise<string> {
      return new Promise((resolve) => this.reactor.callLater(30, () => resolve('slow done')));
    }
    @UseInterceptors(Recover) @OnCommand('BAD') bad(): string {
      throw new Error('bad');
    }
    @UseInterceptors(Recover) @OnCommand('LATER') async later(): Promise<string> {
      throw new Error('later');
    }
  }

  it('wrap sync handlers without a promise: timing and transforming', () => {
    const c = app(Wrapped, {}, [Timing]).connect(Wrapped);
    const timing = t!.get(Timing);
    c.send('HI bob\n');
    expect(c.frames()).toEqual(['HI BOB']);
    expect(timing.log).toEqual(['HI 0ms']);
  });

  it('wrap async handlers: the reply waits, transformed and timed on the virtual clock', async () => {
    const c = app(Wrapped, {}, [Timing]).connect(Wrapped);
    c.send('SLOW\nHI ann\n');
    expect(c.frames()).toEqual([]);
    await t!.advance(30);
    expect(c.frames()).toEqual(['SLOW DONE', 'HI ANN']);
    expect(t!.get(Timing).log).toEqual(['SLOW 30ms', 'HI 0ms']);
  });

  it('catch errors, sync and async', async () => {
    const c = app(Wrapped, {}, [Timing]).connect(Wrapped);
    c.send('BAD\nLATER\n');
    await t!.settle();
    expect(c.frames()).toEqual(['recovered bad', 'recovered later']);
    expect(c.connection.state).toBe('open');
  });

  it('a sync handler with sync interceptors returns no promise to the dispatcher', () => {
    const c = app(Wrapped, {}, [Timing]).connect(Wrapped);
    // Everything is answered within send(): nothing waited for a microtask.
    c.send('HI a\nHI b\nBAD\n');
    expect(c.frames()).toEqual(['HI A', 'HI B', 'recovered bad']);
  });
});

describe('bootstrap checks for enhancers', () => {
  it('refuses a guard without canActivate, and one the container cannot build, naming the protocol', () => {
    @Protocol({ codec: lines() })
    class NotAGuard {
      @UseGuards({ can: () => true } as never) @OnCommand('X') x(): void {}
    }
    expect(() => app(NotAGuard)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENHANCER', target: 'NotAGuard' }));

    class Needs {
      constructor(readonly dep: { x: number }) {}
      canActivate(): boolean {
        return true;
      }
    }
    @Protocol({ codec: lines() })
    class Unbuildable {
      @UseGuards(Needs) @OnCommand('X') x(): void {}
    }
    expect(() => app(Unbuildable)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENHANCER', message: expect.stringContaining('Needs') }));
  });

  it('refuses enhancers on a method that handles nothing (they would never run)', () => {
    class Allow {
      canActivate(): boolean {
        return true;
      }
    }
    @Protocol({ codec: lines() })
    class Misplaced {
      @OnCommand('X') x(): void {}
      @UseGuards(Allow) helper(): void {}
    }
    expect(() => app(Misplaced)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_INVALID_OPTION', target: 'Misplaced', message: expect.stringContaining('Misplaced.helper has @UseGuards') }));

    @Protocol({ codec: lines() })
    class OnDataOnly {
      @UseGuards(Allow) @OnData() d(): void {}
    }
    expect(() => app(OnDataOnly)).not.toThrow();
  });
});
