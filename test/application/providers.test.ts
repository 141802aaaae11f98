import { inject, injectable } from 'tsyringe';
import { Application, Connection, Logger, Module, OnData, Protocol, Reactor, silentLogger } from '../../src';
import { compileApplication } from '../../src/application/bootstrap';
import { createTestingApp } from '../../src/testing';

const CONFIG = Symbol('CONFIG');
const GREETING = 'GREETING';

@injectable()
class Counter {
  count = 0;
}

@injectable()
class Greeter {
  constructor(@inject(CONFIG) private readonly config: { name: string }) {}
  greet(who: string): string {
    return `${this.config.name} greets ${who}`;
  }
}

/** One per connection: may take the Connection. */
@injectable()
class Session {
  constructor(readonly conn: Connection) {}
}

@Module({
  providers: [Counter, { provide: CONFIG, useValue: { name: 'torsion' } }, Greeter],
  exports: [Counter, Greeter],
})
class CoreModule {}

@Module({ imports: [CoreModule], exports: [CoreModule] })
class ReexportModule {}

@Protocol()
class Service {
  constructor(
    readonly counter: Counter,
    readonly greeter: Greeter,
    @inject(GREETING) readonly greeting: string,
    readonly session: Session,
    readonly conn: Connection,
    readonly reactor: Reactor,
    readonly log: Logger,
    readonly app: Application,
  ) {}
  @OnData() d(): string {
    this.counter.count++;
    return `${this.greeting}:${this.counter.count}`;
  }
}

@Module({
  imports: [ReexportModule],
  protocols: [Service],
  providers: [
    { provide: GREETING, useFactory: (g: Greeter) => g.greet('you'), inject: [Greeter] },
    { provide: Session, useClass: Session, scope: 'connection' },
  ],
})
class AppModule {}

describe('providers', () => {
  it('resolves class, value, factory and re-exported providers; singletons are shared across connections', async () => {
    const t = createTestingApp(AppModule);
    const a = t.connect(Service);
    const b = t.connect(Service);
    expect(a.protocol.counter).toBe(b.protocol.counter);
    expect(a.protocol.greeting).toBe('torsion greets you');
    a.send('x');
    b.send('y');
    expect(a.text()).toBe('torsion greets you:1');
    expect(b.text()).toBe('torsion greets you:2');
    await t.close();
  });

  it('gives each connection its own connection-scoped providers, holding that connection', async () => {
    const t = createTestingApp(AppModule);
    const a = t.connect(Service);
    const b = t.connect(Service);
    expect(a.protocol.session).not.toBe(b.protocol.session);
    expect(a.protocol.session.conn).toBe(a.protocol.conn);
    expect(a.protocol.conn).toBe(a.connection);
    expect(a.protocol.conn.id).not.toBe(b.protocol.conn.id);
    await t.close();
  });

  it('injects the reactor, the application and a logger bound to the connection', async () => {
    const t = createTestingApp(AppModule);
    const a = t.connect(Service);
    expect(a.protocol.reactor).toBe(t.reactor);
    expect(a.protocol.app).toBe(t.app);
    a.protocol.log.info('hello from a protocol');
    const record = t.logs.records.find((r) => r.msg === 'hello from a protocol');
    expect(record?.fields).toMatchObject({ conn: a.connection.id });
    await t.close();
  });

  it('builds singletons at bootstrap, before any connection', () => {
    let built = 0;
    @injectable()
    class Eager {
      constructor() {
        built++;
      }
    }
    @Module({ providers: [Eager] })
    class M {}
    compileApplication(M, { logger: silentLogger });
    expect(built).toBe(1);
  });

  it('aliases a token to another with useExisting (one shared instance)', async () => {
    const COUNTER_ALIAS = Symbol('COUNTER_ALIAS');
    @Protocol()
    class Aliased {
      constructor(
        readonly counter: Counter,
        @inject(COUNTER_ALIAS) readonly alias: Counter,
      ) {}
      @OnData() d(): void {}
    }
    @Module({ imports: [CoreModule], protocols: [Aliased], providers: [{ provide: COUNTER_ALIAS, useExisting: Counter }] })
    class M {}
    const t = createTestingApp(M);
    const a = t.connect(Aliased);
    expect(a.protocol.alias).toBe(a.protocol.counter);
    expect(a.protocol.alias).toBeInstanceOf(Counter);
    await t.close();
  });

  it('lets bootstrap options override a provider', async () => {
    const t = createTestingApp(AppModule, { overrides: [{ provide: CONFIG, useValue: { name: 'test double' } }] });
    const a = t.connect(Service);
    expect(a.protocol.greeting).toBe('test double greets you');
    await t.close();
  });
});
