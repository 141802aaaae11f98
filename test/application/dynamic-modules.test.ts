import {
  BootstrapError,
  FrameTooLargeError,
  Listen,
  Module,
  OnData,
  OnError,
  Protocol,
  bootstrap,
  inject,
  injectable,
  lines,
  silentLogger,
  type DynamicModule,
  type Provider,
  type ProtocolOptions,
} from 'torsion';
import { createTestingApp, type TestingApp } from 'torsion/testing';
import { compileApplication } from '../../src/application/bootstrap';
import { Peer } from '../support/peer';

/**
 * Configurable modules (NestJS's dynamic modules), driven as a user drives them: a module
 * configured with `configure(...)` (no class declared per configuration), its protocol's codec
 * from an options token, its listener from the configuration.
 */

interface GreeterConfig {
  readonly greeting: string;
  readonly maxLineLength: number;
}
const GREETER_CONFIG = Symbol('GREETER_CONFIG');
const GREETER_PROTOCOL = Symbol('GREETER_PROTOCOL');

@injectable()
class Greeter {
  constructor(@inject(GREETER_CONFIG) readonly config: GreeterConfig) {}

  greet(name: string): string {
    return `${this.config.greeting}, ${name}`;
  }
}

@Listen(7007)
@Protocol({ options: GREETER_PROTOCOL })
class Greeting {
  constructor(private readonly greeter: Greeter) {}

  @OnData() d(line: string): string {
    return this.greeter.greet(line);
  }

  @OnError() e(error: Error): string {
    return error instanceof FrameTooLargeError ? '! too long' : '! error';
  }
}

/** A reusable module with no defaults: it must be configured. */
@Module({
  protocols: [Greeting],
  providers: [Greeter, { provide: GREETER_PROTOCOL, useFactory: (c: GreeterConfig): ProtocolOptions => ({ codec: lines({ maxLength: c.maxLineLength, failFast: false }) }), inject: [GREETER_CONFIG] }],
  exports: [Greeter],
})
class GreeterModule {
  static configure(options: { greeting: string; maxLineLength: number; port?: number; host?: string }): DynamicModule {
    const { port, host, ...config } = options;
    return {
      module: GreeterModule,
      providers: [{ provide: GREETER_CONFIG, useValue: config }],
      listen: port === undefined ? undefined : [[Greeting, { port, ...(host === undefined ? {} : { host }) }]],
    };
  }
}

function expectBootstrapError(build: () => unknown, code: string, ...mentions: string[]): BootstrapError {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(BootstrapError);
  const e = thrown as BootstrapError;
  expect(e.code).toBe(code);
  for (const text of mentions) expect(e.message).toContain(text);
  return e;
}

const quiet = { logger: silentLogger };

describe('configurable modules, in memory', () => {
  const apps: TestingApp[] = [];
  const open = (root: Parameters<typeof createTestingApp>[0]): TestingApp => {
    const t = createTestingApp(root);
    apps.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });

  it('the configuration reaches the providers and the codec: a line over maxLineLength is refused', () => {
    const t = open(GreeterModule.configure({ greeting: 'hello', maxLineLength: 16 }));
    const c = t.connect(Greeting);
    c.send(`bob\n${'x'.repeat(40)}\nann\n`);
    expect(c.frames()).toEqual(['hello, bob', '! too long', 'hello, ann']);
  });

  it('two configurations of one module serve side by side in two applications of one process', () => {
    const strict = open(GreeterModule.configure({ greeting: 'hello', maxLineLength: 16 }));
    const loose = open(GreeterModule.configure({ greeting: 'hi', maxLineLength: 64 }));
    const line = `${'y'.repeat(40)}\n`;
    const a = strict.connect(Greeting);
    const b = loose.connect(Greeting);
    a.send(line);
    b.send(line);
    expect(a.frames()).toEqual(['! too long']);
    expect(b.frames()).toEqual([`hi, ${'y'.repeat(40)}`]);
    expect(strict.get(Greeter).config.greeting).toBe('hello');
    expect(loose.get(Greeter).config.greeting).toBe('hi');
  });

  it('a configured module in the imports of a root module: its exports are injectable there, and one object imported twice is one module', () => {
    const greeter = GreeterModule.configure({ greeting: 'hey', maxLineLength: 32 });
    @Protocol({ codec: lines() })
    class Front {
      constructor(private readonly g: Greeter) {}
      @OnData() d(line: string): string {
        return this.g.greet(line.toUpperCase());
      }
    }
    @Module({ imports: [greeter], exports: [greeter] })
    class Middle {}
    @Module({ imports: [greeter, Middle], protocols: [Front] })
    class Root {}
    const t = open(Root);
    const front = t.connect(Front);
    front.send('zoe\n');
    expect(front.frames()).toEqual(['hey, ZOE']);
    expect(t.get(Greeter)).toBe(t.get(Greeter));
    const greeting = t.connect(Greeting);
    greeting.send(`${'z'.repeat(33)}\n`);
    expect(greeting.frames()).toEqual(['! too long']);
  });

  it("a configured module's providers replace the @Module's own of the same token (defaults)", () => {
    const WORD = Symbol('WORD');
    @Protocol({ codec: lines() })
    class Say {
      constructor(@inject(WORD) private readonly word: string) {}
      @OnData() d(): string {
        return this.word;
      }
    }
    @Module({ protocols: [Say], providers: [{ provide: WORD, useValue: 'default' }] })
    class SayModule {}
    const plain = open(SayModule).connect(Say);
    const configured = open({ module: SayModule, providers: [{ provide: WORD, useValue: 'configured' }] }).connect(Say);
    plain.send('x\n');
    configured.send('x\n');
    expect(plain.frames()).toEqual(['default']);
    expect(configured.frames()).toEqual(['configured']);
  });

  it('static @Protocol options are defaults; the token-resolved ones win, and are validated the same way', () => {
    const OPTS = Symbol('OPTS');
    @Protocol({ codec: lines({ maxLength: 1000 }), options: OPTS })
    class Short {
      @OnData() d(line: string): string {
        return line;
      }
      @OnError() e(): string {
        return 'refused';
      }
    }
    @Module({ protocols: [Short], providers: [{ provide: OPTS, useValue: { codec: lines({ maxLength: 8, failFast: false }) } }] })
    class ShortModule {}
    const c = open(ShortModule).connect(Short);
    c.send('0123456789\nok\n');
    expect(c.frames()).toEqual(['refused', 'ok']);
  });
});

describe('configurable modules over real sockets', () => {
  it('listens on the configured port and host; bootstrap-level listen overrides still win', async () => {
    const configured = await bootstrap(GreeterModule.configure({ greeting: 'hello', maxLineLength: 16, port: 0, host: '127.0.0.1' }), quiet);
    const overridden = await bootstrap(GreeterModule.configure({ greeting: 'hi', maxLineLength: 64, port: 7007, host: '127.0.0.1' }), { ...quiet, listen: [[Greeting, { port: 0 }]] });
    try {
      const [a] = configured.addresses;
      expect(a).toMatchObject({ protocol: 'Greeting', host: '127.0.0.1' });
      expect(a.port).not.toBe(7007);
      const [b] = overridden.addresses;
      expect(b.host).toBe('127.0.0.1'); // from the module's configuration
      expect(b.port).not.toBe(7007); // bootstrap's port 0 won over the module's 7007

      const peer = await Peer.connect(a.port);
      peer.send(`ann\n${'x'.repeat(40)}\n`);
      await peer.until((p) => p.text === 'hello, ann\n! too long\n', 5000, 'the greeting and the refusal');
      await peer.close();
      const other = await Peer.connect(b.port);
      other.send(`${'x'.repeat(40)}\n`);
      await other.until((p) => p.text === `hi, ${'x'.repeat(40)}\n`, 5000, 'the greeting');
      await other.close();
    } finally {
      await Promise.all([configured.close(), overridden.close()]);
    }
  });
});

describe('configurable modules: errors, named, before anything is bound', () => {
  it('a configured module whose module has no @Module()', () => {
    class NotAModule {}
    const e = expectBootstrapError(() => compileApplication({ module: NotAModule }, quiet), 'TORSION_ERR_NOT_A_MODULE', 'NotAModule', 'add @Module');
    expect(e.target).toBe('NotAModule');
  });

  it('one module configured twice in one application, or once configured and once not', () => {
    const a = GreeterModule.configure({ greeting: 'a', maxLineLength: 16 });
    const b = GreeterModule.configure({ greeting: 'b', maxLineLength: 16 });
    @Module({ imports: [b] })
    class Other {}
    @Module({ imports: [a, Other] })
    class Root {}
    expectBootstrapError(() => compileApplication(Root, quiet), 'TORSION_ERR_MODULE_CONFIGURED_TWICE', 'GreeterModule', 'by Root and by Other', 'configure it once');
    @Module({ imports: [a, GreeterModule] })
    class Mixed {}
    expectBootstrapError(() => compileApplication(Mixed, quiet), 'TORSION_ERR_MODULE_CONFIGURED_TWICE', 'GreeterModule');
  });

  it('the unconfigured module names what it misses', () => {
    expectBootstrapError(() => compileApplication(GreeterModule, quiet), 'TORSION_ERR_UNRESOLVED', 'GREETER_CONFIG', 'GreeterModule');
  });

  it('a listen override for a protocol the module does not serve', () => {
    @Listen(0)
    @Protocol()
    class Elsewhere {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Elsewhere] })
    class ElsewhereModule {}
    const wrong = { ...GreeterModule.configure({ greeting: 'a', maxLineLength: 16 }), listen: [[Elsewhere, { port: 0 }]] } as DynamicModule;
    @Module({ imports: [wrong, ElsewhereModule] })
    class Root {}
    expectBootstrapError(() => compileApplication(Root, quiet), 'TORSION_ERR_BAD_MODULE', 'Elsewhere', 'not among GreeterModule');
  });

  describe('@Protocol({ options: TOKEN })', () => {
    const OPTS = Symbol('PING_OPTIONS');
    @Protocol({ options: OPTS })
    class Ping {
      @OnData() d(): string {
        return 'pong';
      }
    }
    const withOptions = (provider: object): DynamicModule => {
      @Module({ protocols: [Ping] })
      class PingModule {}
      return { module: PingModule, providers: [{ provide: OPTS, ...provider } as Provider] };
    };

    it('a token no module provides: named with the protocol, before any provider is built', () => {
      @Module({ protocols: [Ping] })
      class Bare {}
      expectBootstrapError(() => compileApplication(Bare, quiet), 'TORSION_ERR_UNRESOLVED', 'Ping', 'Symbol(PING_OPTIONS)', 'add a provider of Symbol(PING_OPTIONS) to Bare');
    });

    it('invalid limits, unknown keys, a codec that is not one: named with the protocol and the token', () => {
      expectBootstrapError(() => compileApplication(withOptions({ useValue: { maxQueuedFrames: 0 } }), quiet), 'TORSION_ERR_INVALID_OPTION', '@Protocol({ options: Symbol(PING_OPTIONS) }) of Ping', 'maxQueuedFrames must be a positive integer');
      expectBootstrapError(() => compileApplication(withOptions({ useValue: { maxLineLength: 5 } }), quiet), 'TORSION_ERR_INVALID_OPTION', 'Ping', 'unknown option maxLineLength');
      expectBootstrapError(() => compileApplication(withOptions({ useValue: { codec: 'lines' } }), quiet), 'TORSION_ERR_INVALID_OPTION', 'Ping', 'not a codec');
      expectBootstrapError(() => compileApplication(withOptions({ useValue: 42 }), quiet), 'TORSION_ERR_INVALID_OPTION', 'Ping', 'not ProtocolOptions');
    });

    it('a factory that throws: named, with the cause', () => {
      const boom = new Error('no config file');
      const e = expectBootstrapError(
        () =>
          compileApplication(
            withOptions({
              useFactory: () => {
                throw boom;
              },
            }),
            quiet,
          ),
        'TORSION_ERR_PROTOCOL_OPTIONS',
        'Ping',
        'Symbol(PING_OPTIONS)',
        'no config file',
      );
      expect(e.cause).toBeDefined();
    });

    it('a per-connection options provider is refused: options are resolved once', () => {
      expectBootstrapError(() => compileApplication(withOptions({ useFactory: () => ({}), scope: 'connection' }), quiet), 'TORSION_ERR_SCOPE', 'Ping', 'resolved once per application');
    });
  });

  it("a @Listen class listed only by a configured module's protocols counts as listed once an application includes it", () => {
    @Listen(0)
    @Protocol()
    class Extra {
      @OnData() d(): void {}
    }
    @Module({})
    class Host {}
    @Module({})
    class Unrelated {}
    // Nothing has listed Extra yet: the process-wide check still catches it.
    expectBootstrapError(() => compileApplication(Unrelated, quiet), 'TORSION_ERR_UNLISTED_LISTENER', 'Extra');
    compileApplication({ module: Host, protocols: [Extra] }, quiet);
    compileApplication(Unrelated, quiet);
  });
});
