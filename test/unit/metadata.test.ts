import { inject, injectable } from 'tsyringe';
import { Listen, Module, OnClose, OnConnect, OnData, OnError, Protocol, lines, raw } from '../../src';
import { compileProtocol } from '../../src/application/compile-protocol';
import { getConstructorParams, getHandlers, getListens, getModule, getProtocol } from '../../src/metadata';

describe('metadata', () => {
  it('records every @Listen in declaration order', () => {
    @Listen(8000)
    @Listen({ port: 8001, host: '127.0.0.1' })
    @Protocol()
    class Twice {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Twice] })
    class M {}
    expect(getListens(Twice)).toEqual([{ port: 8000 }, { port: 8001, host: '127.0.0.1' }]);
    expect(getModule(M)?.protocols).toEqual([Twice]);
  });

  it('records protocol options and inherits handlers from a base class', () => {
    const codec = lines({ maxLength: 100 });
    class Base {
      @OnConnect() hello(): void {}
      @OnError() failed(): void {}
    }
    @Protocol({ codec, maxQueuedFrames: 8 })
    class Child extends Base {
      @OnData() d(): void {}
      @OnClose() bye(): void {}
    }
    @Module({ protocols: [Child] })
    class M {}
    void M;
    expect(getProtocol(Child)).toEqual({ codec, maxQueuedFrames: 8 });
    expect(getHandlers(Child).map((h) => `${h.kind}:${String(h.method)}`)).toEqual(['connect:hello', 'error:failed', 'data:d', 'close:bye']);
  });

  it('reads constructor tokens with @inject overriding the design type', () => {
    const TOKEN = Symbol('token');
    @injectable()
    class Dep {}
    @injectable()
    class Svc {
      constructor(
        readonly dep: Dep,
        @inject(TOKEN) readonly config: unknown,
      ) {}
    }
    expect(getConstructorParams(Svc)).toEqual([Dep, expect.objectContaining({ token: TOKEN })]);
    class Undecorated {
      constructor(readonly x: number) {}
    }
    expect(getConstructorParams(Undecorated)).toBeUndefined();
  });
});

describe('compileProtocol', () => {
  it('compiles a plain handler table with defaults', () => {
    @Protocol()
    class P {
      @OnConnect() c(): string {
        return 'c';
      }
      @OnData() d(): string {
        return 'd';
      }
    }
    @Module({ protocols: [P] })
    class M {}
    void M;
    const table = compileProtocol(P);
    expect(table.name).toBe('P');
    expect(table.codec.name).toBe(raw().name);
    expect(table.onData.call(new P())).toBe('d');
    expect(table.onConnect?.call(new P())).toBe('c');
    expect(table.onClose).toBeUndefined();
    expect(table.maxQueuedFrames).toBe(1024);
    expect(table.resumeQueuedFrames).toBe(512);
    expect(table.writeHighWaterMark).toBe(64 * 1024);
    expect(table.names.data).toBe('d');
  });
});
