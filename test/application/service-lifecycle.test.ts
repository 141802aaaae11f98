import * as net from 'node:net';
import { Application, BootstrapError, Listen, Module, OnData, Protocol, bootstrap, inject, injectable, lines, silentLogger, type OnApplicationShutdown, type OnInit } from '../../src';
import { createTestingApp } from '../../src/testing';
import { eventually } from '../support/peer';

/** What every hook did, in order. */
let calls: string[] = [];
/** Names of the services whose onInit fails. */
let failing = new Set<string>();
/** Set when an onInit ran while a port was already bound (it must never be). */
let boundDuringInit = false;
/** Connections still open when Config.onShutdown ran (after every connection closed: 0). */
let connectionsAtShutdown: number | undefined;

async function hook(name: string, what: string): Promise<void> {
  await Promise.resolve(); // awaited: the next service waits for this one
  calls.push(`${what} ${name}`);
  if (what === 'init' && failing.has(name)) throw new Error(`${name} cannot start`);
}

@injectable()
class Config implements OnInit, OnApplicationShutdown {
  constructor(readonly app: Application) {}
  onInit(): Promise<void> {
    if (this.app.addresses.length > 0) boundDuringInit = true;
    return hook('Config', 'init');
  }
  onShutdown(): Promise<void> {
    connectionsAtShutdown = this.app.metrics().connections;
    return hook('Config', 'shutdown');
  }
  dispose(): void {
    calls.push('dispose Config');
  }
}

@injectable()
class Database implements OnInit, OnApplicationShutdown {
  constructor(readonly config: Config) {}
  onInit(): Promise<void> {
    return hook('Database', 'init');
  }
  onShutdown(): Promise<void> {
    return hook('Database', 'shutdown');
  }
  dispose(): void {
    calls.push('dispose Database');
  }
}

/** Listed first in the module, but depends on Database, which depends on Config: initialised after both. */
@injectable()
class Cache implements OnInit, OnApplicationShutdown {
  constructor(readonly db: Database) {}
  onInit(): Promise<void> {
    return hook('Cache', 'init');
  }
  onShutdown(): Promise<void> {
    return hook('Cache', 'shutdown');
  }
}

/** A factory-made singleton: the container built it, so it is disposed too. */
const CLOCK = Symbol('Clock');

@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines() })
class Api {
  constructor(
    readonly cache: Cache,
    @inject(CLOCK) readonly clock: { now(): number },
  ) {}
  @OnData() handle(line: string): string {
    return line;
  }
}

@Module({
  protocols: [Api],
  providers: [
    Cache,
    Database,
    Config,
    {
      provide: CLOCK,
      useFactory: () => ({
        now: () => 0,
        onInit: () => calls.push('init Clock'),
        dispose: () => calls.push('dispose Clock'),
      }),
    },
  ],
})
class AppModule {}

beforeEach(() => {
  calls = [];
  failing = new Set();
  boundDuringInit = false;
});

describe('service lifecycle: onInit, onShutdown, dispose', () => {
  it('runs onInit in dependency order before binding, onShutdown in reverse after the connections, then dispose', async () => {
    const app = await bootstrap(AppModule, { logger: silentLogger });
    expect(calls).toEqual(['init Config', 'init Database', 'init Cache', 'init Clock']);
    expect(boundDuringInit).toBe(false);
    expect(app.addresses).toHaveLength(1);
    const client = net.connect(app.address(Api).port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    await eventually(() => app.metrics().connections === 1);
    calls = [];
    await app.close();
    expect(connectionsAtShutdown).toBe(0);
    expect(calls).toEqual(['shutdown Cache', 'shutdown Database', 'shutdown Config', 'dispose Clock', 'dispose Database', 'dispose Config']);
  });

  it('a failing onInit is TORSION_ERR_INIT_FAILED naming the class; what was initialised is shut down in reverse, nothing is bound', async () => {
    failing.add('Cache');
    const error = (await bootstrap(AppModule, { logger: silentLogger }).catch((e: unknown) => e)) as BootstrapError;
    expect(error).toBeInstanceOf(BootstrapError);
    expect(error.code).toBe('TORSION_ERR_INIT_FAILED');
    expect(error.target).toBe('Cache');
    expect(error.message).toContain('Cache.onInit() failed: Cache cannot start');
    expect((error.cause as Error).message).toBe('Cache cannot start');
    // Cache failed: Database and Config were initialised and are shut down (reverse); Clock never started.
    expect(calls).toEqual(['init Config', 'init Database', 'init Cache', 'shutdown Database', 'shutdown Config', 'dispose Clock', 'dispose Database', 'dispose Config']);
  });

  it('testing kit: connecting before await t.init() is TORSION_ERR_NOT_INITIALISED; t.init() runs onInit, t.close() the shutdown hooks', async () => {
    const t = createTestingApp(AppModule);
    expect(() => t.connect(Api)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_NOT_INITIALISED' }));
    expect(calls).toEqual([]);
    await t.init();
    await t.init(); // idempotent
    expect(calls).toEqual(['init Config', 'init Database', 'init Cache', 'init Clock']);
    const c = t.connect(Api);
    c.send('hi\n');
    expect(c.frames()).toEqual(['hi']);
    calls = [];
    await t.close();
    expect(calls).toEqual(['shutdown Cache', 'shutdown Database', 'shutdown Config', 'dispose Clock', 'dispose Database', 'dispose Config']);
  });

  it('testing kit: a failing onInit rejects t.init() with the same BootstrapError and closes the app', async () => {
    failing.add('Database');
    const t = createTestingApp(AppModule);
    await expect(t.init()).rejects.toMatchObject({ code: 'TORSION_ERR_INIT_FAILED', target: 'Database' });
    expect(calls).toEqual(['init Config', 'init Database', 'shutdown Config', 'dispose Clock', 'dispose Database', 'dispose Config']);
    expect(t.reactor.running).toBe(false);
  });

  it('without init, t.close() still runs onShutdown of services that have no onInit, and disposes singletons', async () => {
    @injectable()
    class Pool implements OnApplicationShutdown {
      onShutdown(): void {
        calls.push('shutdown Pool');
      }
      dispose(): void {
        calls.push('dispose Pool');
      }
    }
    @Module({ protocols: [], providers: [Pool] })
    class PoolModule {}
    const t = createTestingApp(PoolModule);
    await t.close();
    expect(calls).toEqual(['shutdown Pool', 'dispose Pool']);
  });
});
