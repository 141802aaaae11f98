import { BootstrapError, ClosedError, Connection, Module, OnClose, OnConnect, OnData, Protocol, Reactor, TorsionError, injectable, silentLogger, type DelayedCall } from 'torsion';
import { createTestingApp, MemoryLogger, SettleError, VirtualClock, type TestingApp } from 'torsion/testing';
import { compileApplication } from '../../src/application/bootstrap';
import { textLines } from './fixtures/text-lines';

@injectable()
class Greeting {
  text(name: string): string {
    return `hello, ${name}`;
  }
}

/** A per-connection counter: each connection gets its own (scope 'connection'). */
@injectable()
class Counter {
  n = 0;
}

const GREETING_PREFIX = Symbol('greeting prefix');

@Protocol({ codec: textLines() })
class Greeter {
  constructor(
    private readonly greeting: Greeting,
    private readonly counter: Counter,
  ) {}
  @OnConnect() welcome(): string {
    return this.greeting.text('stranger');
  }
  @OnData() line(name: string): string {
    this.counter.n++;
    return `${this.greeting.text(name)} #${this.counter.n}`;
  }
}

/** Closes idle connections after 30 s of silence, on the reactor's (virtual) clock. */
@Protocol({ codec: textLines() })
class Idle {
  private timer: DelayedCall | undefined;
  constructor(
    private readonly reactor: Reactor,
    private readonly conn: Connection,
  ) {}
  @OnConnect() start(): void {
    this.arm();
  }
  @OnData() line(line: string): string {
    this.arm();
    return line;
  }
  @OnClose() stop(): void {
    this.timer?.cancel();
  }
  private arm(): void {
    this.timer?.cancel();
    this.timer = this.reactor.callLater(30_000, () => this.conn.end());
  }
}

/** An async handler that waits on a reactor timer: settles only when the clock moves. */
@Protocol({ codec: textLines() })
class Sleepy {
  constructor(private readonly reactor: Reactor) {}
  @OnData() async line(line: string): Promise<string> {
    await new Promise<void>((resolve) => this.reactor.callLater(100, resolve));
    await new Promise<void>((resolve) => this.reactor.callLater(100, resolve));
    return `late ${line}`;
  }
}

@Module({
  protocols: [Greeter, Idle, Sleepy],
  providers: [Greeting, { provide: Counter, useClass: Counter, scope: 'connection' }, { provide: GREETING_PREFIX, useValue: 'hello' }],
})
class AppModule {}

describe('createTestingApp', () => {
  let t: TestingApp;
  afterEach(() => t?.close());

  it('builds protocols with the real DI: singletons shared, connection-scoped providers per connection', () => {
    t = createTestingApp(AppModule);
    const a = t.connect(Greeter);
    const b = t.connect(Greeter);
    a.send('ann\nann\n');
    b.send('bob\n');
    expect(a.frames()).toEqual(['hello, stranger', 'hello, ann #1', 'hello, ann #2']);
    expect(b.frames()).toEqual(['hello, stranger', 'hello, bob #1']);
    expect(t.get(Greeting)).toBeInstanceOf(Greeting);
  });

  it('replaces a provider with a value, a class or a factory', async () => {
    class LoudGreeting extends Greeting {
      override text(name: string): string {
        return `HELLO, ${name.toUpperCase()}`;
      }
    }
    const forms = [
      { provide: Greeting, useValue: { text: (name: string) => `hi ${name}` } },
      { provide: Greeting, useClass: LoudGreeting },
      { provide: Greeting, useFactory: (prefix: string) => ({ text: (name: string) => `${prefix}? ${name}` }), inject: [GREETING_PREFIX] },
    ];
    const seen: string[] = [];
    for (const override of forms) {
      const app = createTestingApp(AppModule, { overrides: [override] });
      const c = app.connect(Greeter);
      c.clear();
      c.send('zoe\n');
      seen.push(...c.frames<string>());
      await app.close();
    }
    expect(seen).toEqual(['hi zoe #1', 'HELLO, ZOE #1', 'hello? zoe #1']);
    t = createTestingApp(AppModule);
  });

  it('fails with the same BootstrapError as bootstrap, before any connection', () => {
    @Protocol()
    class NoData {
      @OnConnect() hi(): void {}
    }
    @Module({ protocols: [NoData] })
    class Broken {}
    const expected = captured(() => compileApplication(Broken, { logger: silentLogger }));
    const actual = captured(() => createTestingApp(Broken));
    expect(actual).toBeInstanceOf(BootstrapError);
    expect(actual).toMatchObject({ code: 'TORSION_ERR_NO_DATA_HANDLER', target: 'NoData', message: expected.message });

    const badOverride = captured(() => createTestingApp(AppModule, { overrides: [{ provide: 'nobody provides this', useValue: 1 }] }));
    expect(badOverride).toMatchObject({ code: 'TORSION_ERR_BAD_OVERRIDE' });
    t = createTestingApp(AppModule);
  });

  it('refuses a protocol that is not in the modules, and connections after close', async () => {
    @Protocol()
    class Stranger {
      @OnData() d(): void {}
    }
    t = createTestingApp(AppModule);
    expect(() => t.connect(Stranger)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_UNKNOWN_PROTOCOL' }));
    await t.close();
    expect(() => t.connect(Greeter)).toThrow(ClosedError);
  });

  it('reports a protocol whose construction fails as TORSION_ERR_PROTOCOL_FAILED with the cause', () => {
    t = createTestingApp(AppModule, {
      overrides: [{ provide: Counter, useFactory: () => { throw new Error('no counter today'); }, scope: 'connection' }],
    });
    const error = captured(() => t.connect(Greeter));
    expect(error).toBeInstanceOf(TorsionError);
    expect(error).toMatchObject({ code: 'TORSION_ERR_PROTOCOL_FAILED' });
    expect(t.app.metrics()).toMatchObject({ connections: 0, liveScopes: 0 });
  });

  it('runs the reactor on a virtual clock: an idle timeout fires only when time is advanced', () => {
    t = createTestingApp(AppModule);
    const c = t.connect(Idle);
    t.clock.advance(29_999);
    c.send('still here\n'); // re-arms the timer: due at 59 999 now
    t.clock.advance(29_999);
    expect(c.closed).toBe(false);
    t.clock.advance(1);
    expect(c.closeReason?.kind).toBe('done');
    expect(t.reactor.pendingTimers).toBe(0);
  });

  it('follows async handlers through successive timers with advance(), and settle() names what is stuck', async () => {
    t = createTestingApp(AppModule);
    const c = t.connect(Sleepy);
    c.send('a\n');
    await expect(c.settle({ maxTurns: 5 })).rejects.toThrow(SettleError);
    await t.advance(199);
    expect(c.frames()).toEqual([]);
    await t.advance(1);
    expect(c.frames()).toEqual(['late a']);
    await t.settle();
  });

  it('accepts a clock and a logger of the caller', () => {
    const clock = new VirtualClock({ start: 1_000 });
    const logger = new MemoryLogger();
    t = createTestingApp(AppModule, { clock, logger });
    expect(t.clock).toBe(clock);
    expect(t.reactor.clock.now()).toBe(1_000);
    t.reactor.logger.warn({ n: 1 }, 'look');
    expect(logger.records).toEqual([{ level: 'warn', msg: 'look', fields: { n: 1 } }]);
    expect(t.logs.records).toEqual([]);
  });
});

function captured(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}
