import * as net from 'node:net';
import { inject, injectable } from 'tsyringe';
import { BootstrapError, Connect, DatagramSocket, Listen, Module, OnConnect, OnData, Protocol, bootstrap, silentLogger, Connection } from '../../src';
import { compileApplication } from '../../src/application/bootstrap';
import { OnClose } from '../../src/decorators/handlers';

const quiet = { logger: silentLogger };

/** Asserts that building `root` fails with `code`, naming `target` in the message. */
function expectBootstrapError(build: () => unknown, code: string, target: string): BootstrapError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(BootstrapError);
    const e = error as BootstrapError;
    expect(e.code).toBe(code);
    expect(e.message).toContain(target);
    return e;
  }
  throw new Error(`expected a BootstrapError ${code}`);
}

describe('bootstrap errors: thrown before any port is bound, naming the class and the fix', () => {
  it('a protocol without @OnData', () => {
    @Protocol()
    class Mute {
      @OnConnect() hi(): void {}
    }
    @Module({ protocols: [Mute] })
    class M {}
    const e = expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_NO_DATA_HANDLER', 'Mute');
    expect(e.message).toContain('add a method decorated with @OnData()');
    expect(e.target).toBe('Mute');
  });

  it('a class listed as a protocol without @Protocol()', () => {
    class Plain {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Plain] })
    class M {}
    expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_NOT_A_PROTOCOL', 'Plain');
  });

  it('a handler decorator on a property', () => {
    @Protocol()
    class Odd {
      @OnData() d(): void {}
      @OnClose() gone: unknown = undefined;
    }
    @Module({ protocols: [Odd] })
    class M {}
    const e = expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_HANDLER_NOT_METHOD', 'Odd');
    expect(e.message).toContain('@OnClose() on gone, which is a property');
  });

  it('a handler decorator on an accessor', () => {
    @Protocol()
    class Odd2 {
      @OnData() d(): void {}
      @OnConnect() get hello(): string {
        return 'x';
      }
    }
    @Module({ protocols: [Odd2] })
    class M {}
    expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_HANDLER_NOT_METHOD', 'an accessor');
  });

  it('two @OnData handlers on one class', () => {
    @Protocol()
    class Twice {
      @OnData() a(): void {}
      @OnData() b(): void {}
    }
    @Module({ protocols: [Twice] })
    class M {}
    expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_DUPLICATE_HANDLER', 'Twice');
  });

  it('a @Listen class that no module lists', async () => {
    @Listen(0)
    @Protocol()
    class Forgotten {
      @OnData() d(): void {}
    }
    @Listen(0)
    @Protocol()
    class Listed {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Listed] })
    class M {}
    await expect(bootstrap(M, quiet)).rejects.toMatchObject({ code: 'TORSION_ERR_UNLISTED_LISTENER', target: 'Forgotten' });
    // Listing it anywhere fixes it; clean up the process-wide registry for the other tests.
    @Module({ protocols: [Forgotten] })
    class Other {}
    void Other;
  });

  it('two listeners on the same host:port', () => {
    @Listen({ port: 7123, host: '127.0.0.1' })
    @Protocol()
    class A {
      @OnData() d(): void {}
    }
    @Listen(7123)
    @Protocol()
    class B {
      @OnData() d(): void {}
    }
    @Module({ protocols: [A, B] })
    class M {}
    const e = expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_LISTEN_CLASH', 'B and A both listen on');
    expect(e.message).toContain('give one of them another port');
  });

  it('a port already in use (EADDRINUSE), releasing the ports already bound', async () => {
    const freePort = await new Promise<number>((resolve) => {
      const tmp = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (tmp.address() as net.AddressInfo).port;
        tmp.close(() => resolve(port));
      });
    });
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as net.AddressInfo).port;
    @Listen({ port: freePort, host: '127.0.0.1' })
    @Protocol()
    class First {
      @OnData() d(): void {}
    }
    @Listen({ port: taken, host: '127.0.0.1' })
    @Protocol()
    class Second {
      @OnData() d(): void {}
    }
    @Module({ protocols: [First, Second] })
    class M {}
    const error = await bootstrap(M, quiet).catch((e: unknown) => e as BootstrapError);
    expect(error).toBeInstanceOf(BootstrapError);
    expect((error as BootstrapError).code).toBe('TORSION_ERR_ADDRESS_IN_USE');
    expect((error as BootstrapError).message).toContain(`Second cannot listen on tcp 127.0.0.1:${taken}`);
    expect(((error as BootstrapError).cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    // First was bound before Second failed; its port must be free again.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(freePort, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => probe.close(resolve));
    await new Promise((resolve) => squatter.close(resolve));
  });

  it('a constructor parameter nobody provides, naming the class and the parameter', () => {
    @injectable()
    class Greeting {}
    @Protocol()
    class Greeter {
      constructor(readonly conn: Connection, readonly greeting: Greeting) {}
      @OnData() d(): void {}
    }
    @Module({ protocols: [Greeter] })
    class M {}
    const e = expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_UNRESOLVED', 'parameter #1 of Greeter');
    expect(e.message).toContain('add Greeting to the providers of M');
  });

  it('a provider of another module that is not exported', () => {
    @injectable()
    class Store {}
    @Module({ providers: [Store] })
    class StoreModule {}
    @Protocol()
    class User {
      constructor(readonly store: Store) {}
      @OnData() d(): void {}
    }
    @Module({ protocols: [User], imports: [StoreModule] })
    class M {}
    const e = expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_UNRESOLVED', 'Store');
    expect(e.message).toContain('export it from StoreModule');
  });

  it('an interface-typed parameter without @inject', () => {
    interface Clockish {
      now(): number;
    }
    @Protocol()
    class NeedsInterface {
      constructor(readonly clock: Clockish) {}
      @OnData() d(): void {}
    }
    @Module({ protocols: [NeedsInterface] })
    class M {}
    const e = expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_NO_TOKEN', 'parameter #0 of NeedsInterface');
    expect(e.message).toContain('@inject(TOKEN)');
  });

  it('a singleton that injects the per-connection Connection', () => {
    @injectable()
    class Holder {
      constructor(readonly conn: Connection) {}
    }
    @Protocol()
    class P {
      constructor(readonly holder: Holder) {}
      @OnData() d(): void {}
    }
    @Module({ protocols: [P], providers: [Holder] })
    class M {}
    const e = expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_SCOPE', 'Holder');
    expect(e.message).toContain("scope: 'connection'");
  });

  it('a provider cycle', () => {
    const A_TOKEN = Symbol('A');
    const B_TOKEN = Symbol('B');
    @Protocol()
    class P {
      @OnData() d(): void {}
    }
    @Module({
      protocols: [P],
      providers: [
        { provide: A_TOKEN, useFactory: (b: unknown) => ({ b }), inject: [B_TOKEN] },
        { provide: B_TOKEN, useFactory: (a: unknown) => ({ a }), inject: [A_TOKEN] },
      ],
    })
    class M {}
    expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_CYCLE', 'Symbol(A) -> Symbol(B) -> Symbol(A)');
  });

  it('a provider whose constructor throws', () => {
    @injectable()
    class Broken {
      constructor() {
        throw new Error('no config file');
      }
    }
    @Protocol()
    class P {
      constructor(@inject(Broken) readonly b: Broken) {}
      @OnData() d(): void {}
    }
    @Module({ protocols: [P], providers: [Broken] })
    class M {}
    const e = expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_PROVIDER_FAILED', 'constructing Broken');
    expect((e.cause as Error).message).toContain('no config file');
  });

  it('a module that imports a plain class', () => {
    class NotAModule {}
    @Module({ imports: [NotAModule] })
    class M {}
    expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_NOT_A_MODULE', 'M imports NotAModule');
  });

  it('an invalid listen port', () => {
    @Listen(70000)
    @Protocol()
    class Far {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Far] })
    class M {}
    expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_INVALID_OPTION', 'Far needs a port from 0 to 65535');
  });

  it('a unix listener without a path, and a path on a TCP listener', () => {
    @Listen({ transport: 'unix' })
    @Protocol()
    class NoPath {
      @OnData() d(): void {}
    }
    @Module({ protocols: [NoPath] })
    class M1 {}
    expectBootstrapError(() => compileApplication(M1, quiet), 'TORSION_ERR_INVALID_OPTION', "NoPath uses transport 'unix' and needs a socket file path");
    @Listen({ transport: 'tcp', path: '/tmp/x.sock' })
    @Protocol()
    class Confused {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Confused] })
    class M2 {}
    expectBootstrapError(() => compileApplication(M2, quiet), 'TORSION_ERR_INVALID_OPTION', "Confused has a path but transport 'tcp'");
  });

  it('a @Connect client that no module lists', async () => {
    @Connect({ host: '127.0.0.1', port: 1, reconnect: false })
    @Protocol()
    class LostClient {
      @OnData() d(): void {}
    }
    @Module({})
    class M {}
    await expect(bootstrap(M, quiet)).rejects.toMatchObject({ code: 'TORSION_ERR_UNLISTED_LISTENER', target: 'LostClient', message: expect.stringContaining('would never connect') });
    @Module({ protocols: [LostClient] })
    class Other {}
    void Other;
  });

  it('a stream protocol that injects DatagramSocket, and a UDP protocol that injects Connection', () => {
    @Protocol()
    class StreamWantsUdp {
      constructor(readonly socket: DatagramSocket) {}
      @OnData() d(): void {}
    }
    @Module({ protocols: [StreamWantsUdp] })
    class M1 {}
    expectBootstrapError(() => compileApplication(M1, quiet), 'TORSION_ERR_SCOPE', 'StreamWantsUdp: it is a stream protocol, which gets a Connection');
    @Listen({ port: 0, transport: 'udp' })
    @Protocol()
    class UdpWantsConnection {
      constructor(readonly conn: Connection) {}
      @OnData() d(): void {}
    }
    @Module({ protocols: [UdpWantsConnection] })
    class M2 {}
    expectBootstrapError(() => compileApplication(M2, quiet), 'TORSION_ERR_SCOPE', 'UdpWantsConnection: it is a UDP protocol, which gets a DatagramSocket');
  });

  it('invalid flow-control options', () => {
    @Protocol({ maxQueuedFrames: 0 })
    class Tight {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Tight] })
    class M {}
    expectBootstrapError(() => compileApplication(M, quiet), 'TORSION_ERR_INVALID_OPTION', 'maxQueuedFrames must be a positive integer');
  });
});
