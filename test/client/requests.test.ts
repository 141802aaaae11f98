import {
  BootstrapError,
  Connection,
  ConnectionClosedError,
  Listen,
  Module,
  OnClose,
  OnConnect,
  OnData,
  OnError,
  OptionError,
  Protocol,
  RequestError,
  RequestTimeoutError,
  Requester,
  jsonLines,
  lines,
  type CloseReason,
} from '../../src';
import { createTestingApp, type TestingApp } from '../../src/testing';

/** Settles a promise into what it resolved with or the error it rejected with, for assertions. */
function outcome<T>(promise: Promise<T>): { value?: T; error?: Error; done: boolean } {
  const seen: { value?: T; error?: Error; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(seen, { value, done: true }),
    (error: Error) => Object.assign(seen, { error, done: true }),
  );
  return seen;
}

async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

@Protocol({ codec: lines(), requests: { timeoutMs: 1000, maxPending: 4 } })
class LineClient {
  static closes: CloseReason[] = [];
  @OnClose() closed(reason: CloseReason): void {
    LineClient.closes.push(reason);
  }
}

@Protocol({ codec: lines(), requests: { push: (line: string) => line.startsWith('>') } })
class PushClient {
  static pushed: string[] = [];
  @OnData() pushed(line: string): void {
    PushClient.pushed.push(line);
  }
}

/** Handles unsolicited lines slowly (the test settles each), so later frames queue behind them. */
@Protocol({ codec: lines(), requests: {} })
class SlowPushClient {
  static seen: string[] = [];
  static release: Array<() => void> = [];
  @OnData() unsolicited(line: string): Promise<void> {
    SlowPushClient.seen.push(line);
    return new Promise((resolve) => SlowPushClient.release.push(resolve));
  }
}

@Protocol({ codec: jsonLines(), requests: {} })
class JsonPipeClient {
  static errors: Error[] = [];
  @OnError() failed(error: Error): void {
    JsonPipeClient.errors.push(error);
  }
}

interface Rpc {
  id?: number;
  method?: string;
  result?: unknown;
}

@Protocol({ codec: jsonLines(), requests: { correlate: 'id', timeoutMs: 500 } })
class RpcClient {
  static notices: Rpc[] = [];
  @OnData() notice(message: Rpc): void {
    RpcClient.notices.push(message);
  }
}

@Protocol({ codec: jsonLines(), requests: { correlate: { requestId: (m: { tag: string }) => m.tag, replyId: (m: { re?: string }) => m.re } } })
class TaggedClient {}

/** Asks for the server's greeting from @OnConnect, through its own Requester. */
@Protocol({ codec: lines(), requests: { timeoutMs: 0 } })
class Greeter {
  greeting: Promise<unknown> | undefined;
  constructor(private readonly conn: Connection) {}
  @OnConnect() hello(): void {
    this.greeting = Requester.of<string, string>(this.conn).request('HELLO');
  }
}

@Protocol({ codec: lines() })
class NoRequests {
  @OnData() data(): void {}
}

@Module({ protocols: [LineClient, PushClient, SlowPushClient, JsonPipeClient, RpcClient, TaggedClient, Greeter, NoRequests] })
class ClientModule {}

describe('request/response clients (in memory, virtual clock)', () => {
  let t: TestingApp;
  beforeEach(() => {
    t = createTestingApp(ClientModule);
    LineClient.closes = [];
    PushClient.pushed = [];
    JsonPipeClient.errors = [];
    RpcClient.notices = [];
  });
  afterEach(async () => {
    await t.close();
  });

  describe('pipelined', () => {
    it('resolves each request with the reply in its position, and writes the requests in order', async () => {
      const c = t.connect(LineClient);
      const requests = Requester.of<string, string>(c.connection);
      const a = requests.request('GET a');
      const b = requests.request('GET b');
      const d = requests.request('GET d');
      expect(c.frames()).toEqual(['GET a', 'GET b', 'GET d']);
      expect(requests.pending).toBe(3);
      c.send('1\n2', { split: 1 });
      c.send('\n3\n');
      await expect(Promise.all([a, b, d])).resolves.toEqual(['1', '2', '3']);
      expect(requests.pending).toBe(0);
      expect({ sent: requests.sent, answered: requests.answered }).toEqual({ sent: 3, answered: 3 });
    });

    it('times out on the reactor clock, and the late reply is dropped for its slot so later replies stay matched', async () => {
      const c = t.connect(LineClient);
      const requests = Requester.of<string, string>(c.connection);
      const slow = outcome(requests.request('SLOW', { timeoutMs: 100 }));
      const next = outcome(requests.request('NEXT'));
      await t.advance(99);
      expect(slow.done).toBe(false);
      await t.advance(1);
      expect(slow.error).toBeInstanceOf(RequestTimeoutError);
      expect(slow.error).toMatchObject({ code: 'TORSION_ERR_REQUEST_TIMEOUT', timeoutMs: 100 });
      expect(requests.pending).toBe(2); // the timed-out request still owns the next reply
      c.send('slow reply\nnext reply\n');
      await turns();
      expect(next.value).toBe('next reply');
      expect({ late: requests.late, timeouts: requests.timeouts, pending: requests.pending }).toEqual({ late: 1, timeouts: 1, pending: 0 });
      expect(c.closed).toBe(false);
    });

    it('uses the protocol default timeout, and 0 turns it off for one request', async () => {
      const c = t.connect(LineClient);
      const requests = Requester.of<string, string>(c.connection);
      const defaulted = outcome(requests.request('A'));
      const forever = outcome(requests.request('B', { timeoutMs: 0 }));
      await t.advance(1000);
      expect(defaulted.error).toBeInstanceOf(RequestTimeoutError);
      await t.advance(60_000);
      expect(forever.done).toBe(false);
      c.send('a\nb\n');
      await turns();
      expect(forever.value).toBe('b');
    });

    it('rejects a bad timeoutMs without writing', async () => {
      const c = t.connect(LineClient);
      await expect(Requester.of(c.connection).request('X', { timeoutMs: -1 })).rejects.toBeInstanceOf(OptionError);
      expect(c.frames()).toEqual([]);
    });

    it('rejects every pending request with ConnectionClosedError when the connection closes, before @OnClose runs', async () => {
      const c = t.connect(LineClient);
      const requests = Requester.of<string, string>(c.connection);
      const first = outcome(requests.request('A'));
      const second = outcome(requests.request('B'));
      c.send('a\n');
      c.peerReset();
      await turns();
      expect(first.value).toBe('a');
      expect(second.error).toBeInstanceOf(ConnectionClosedError);
      expect(second.error).toMatchObject({ code: 'TORSION_ERR_CONNECTION_CLOSED', closeReason: { kind: 'lost' } });
      expect(LineClient.closes.map((r) => r.kind)).toEqual(['lost']);
      const after = requests.request('C');
      await expect(after).rejects.toBeInstanceOf(ConnectionClosedError);
      // No timer is left behind by the rejected requests.
      await t.advance(5000);
      expect(requests.timeouts).toBe(0);
    });

    it('refuses a request on a closing connection without writing it', async () => {
      const c = t.connect(LineClient);
      c.connection.end();
      await expect(Requester.of(c.connection).request('LATE')).rejects.toMatchObject({ code: 'TORSION_ERR_CONNECTION_CLOSED' });
      expect(c.frames()).toEqual([]);
    });

    it('bounds pending requests by maxPending (timed-out ones awaiting their late reply included); over it nothing is written', async () => {
      const c = t.connect(LineClient);
      const requests = Requester.of<string, string>(c.connection);
      const held = [1, 2, 3, 4].map((n) => outcome(requests.request(`R${n}`, { timeoutMs: n === 1 ? 10 : 0 })));
      await t.advance(10);
      expect(held[0].error).toBeInstanceOf(RequestTimeoutError);
      const over = requests.request('R5');
      await expect(over).rejects.toBeInstanceOf(RequestError);
      await expect(over).rejects.toMatchObject({ code: 'TORSION_ERR_TOO_MANY_REQUESTS' });
      expect(c.frames()).toEqual(['R1', 'R2', 'R3', 'R4']);
      c.send('r1\n'); // R1's late reply frees its place
      await turns();
      expect(requests.late).toBe(1);
      void requests.request('R5').catch(() => undefined);
      expect(c.frames()).toEqual(['R1', 'R2', 'R3', 'R4', 'R5']);
    });

    it('fails the connection on a frame that answers no request when the protocol has no @OnData', async () => {
      const c = t.connect(LineClient);
      c.send('surprise\n');
      await turns();
      expect(c.closeReason?.kind).toBe('error');
      expect((c.closeReason?.error as Error & { cause?: unknown }).cause).toMatchObject({ code: 'TORSION_ERR_UNEXPECTED_REPLY' });
    });

    it('gives unsolicited frames and push frames to @OnData, never to a request', async () => {
      const c = t.connect(PushClient);
      const requests = Requester.of<string, string>(c.connection);
      c.send('hello\n');
      const answer = requests.request('PING');
      c.send('>news\nPONG\n');
      await expect(answer).resolves.toBe('PONG');
      expect(PushClient.pushed).toEqual(['hello', '>news']);
    });

    // Regression: replies were matched when a queued frame's turn came, so a frame that came
    // before the request (waiting behind a slow @OnData) was taken for its reply.
    it('matches replies in stream order as they are decoded, not when their queued turn comes', async () => {
      SlowPushClient.seen = [];
      SlowPushClient.release = [];
      const c = t.connect(SlowPushClient);
      c.send('early 1\nearly 2\n'); // no request pending: both are unsolicited; the second waits its turn
      const answer = Requester.of<string, string>(c.connection).request('Q');
      c.send('reply\n');
      await expect(answer).resolves.toBe('reply');
      for (let i = 0; i < 2; i++) {
        await turns();
        SlowPushClient.release.shift()?.();
      }
      await c.settle();
      expect(SlowPushClient.seen).toEqual(['early 1', 'early 2']);
    });

    it('fails the oldest request with TORSION_ERR_BAD_REPLY when its reply cannot be decoded, and keeps the next ones matched', async () => {
      const c = t.connect(JsonPipeClient);
      const requests = Requester.of<object, object>(c.connection);
      const bad = outcome(requests.request({ q: 1 }));
      const good = outcome(requests.request({ q: 2 }));
      c.send('{not json\n{"a":2}\n');
      await turns();
      expect(bad.error).toMatchObject({ code: 'TORSION_ERR_BAD_REPLY', cause: { code: 'TORSION_ERR_FRAME' } });
      expect(good.value).toEqual({ a: 2 });
      expect(JsonPipeClient.errors).toEqual([]); // the request's rejection reports it
      c.send('{bad again\n'); // no request pending: an ordinary bad frame, for @OnError
      expect(JsonPipeClient.errors.map((e) => (e as Error & { code: string }).code)).toEqual(['TORSION_ERR_FRAME']);
      expect(c.closed).toBe(false);
    });

    it('rejects a request whose frame the codec cannot encode, giving its place back', async () => {
      const c = t.connect(JsonPipeClient);
      const requests = Requester.of<unknown, unknown>(c.connection);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(requests.request(cyclic)).rejects.toThrow();
      expect(requests.pending).toBe(0);
      const ok = requests.request({ q: 1 });
      c.send('{"a":1}\n');
      await expect(ok).resolves.toEqual({ a: 1 });
    });
  });

  describe('correlated', () => {
    it('matches replies by id in any order; notifications and unknown ids go to @OnData', async () => {
      const c = t.connect(RpcClient);
      const requests = Requester.of<Rpc, Rpc>(c.connection);
      const one = requests.request({ id: 1, method: 'a' });
      const two = requests.request({ id: 2, method: 'b' });
      expect(c.frames()).toEqual([{ id: 1, method: 'a' }, { id: 2, method: 'b' }]);
      c.send('{"id":2,"result":"B"}\n{"method":"tick"}\n{"id":9,"result":"?"}\n{"id":1,"result":"A"}\n');
      await expect(one).resolves.toEqual({ id: 1, result: 'A' });
      await expect(two).resolves.toEqual({ id: 2, result: 'B' });
      expect(RpcClient.notices).toEqual([{ method: 'tick' }, { id: 9, result: '?' }]);
      expect(requests.unmatched).toBe(1);
    });

    it('times out one request without disturbing the others; its late reply is unmatched', async () => {
      const c = t.connect(RpcClient);
      const requests = Requester.of<Rpc, Rpc>(c.connection);
      const slow = outcome(requests.request({ id: 1 }));
      await t.advance(300);
      const fresh = outcome(requests.request({ id: 2 }));
      await t.advance(200);
      expect(slow.error).toBeInstanceOf(RequestTimeoutError);
      expect(fresh.done).toBe(false);
      expect(requests.pending).toBe(1);
      c.send('{"id":1,"result":"late"}\n{"id":2,"result":"ok"}\n');
      await turns();
      expect(fresh.value).toEqual({ id: 2, result: 'ok' });
      expect(RpcClient.notices).toEqual([{ id: 1, result: 'late' }]);
    });

    it('rejects a request without an id, and a second pending request with the same id, writing neither', async () => {
      const c = t.connect(RpcClient);
      const requests = Requester.of<Rpc, Rpc>(c.connection);
      await expect(requests.request({ method: 'no id' })).rejects.toMatchObject({ code: 'TORSION_ERR_REQUEST_ID' });
      void requests.request({ id: 7 }).catch(() => undefined);
      await expect(requests.request({ id: 7 })).rejects.toMatchObject({ code: 'TORSION_ERR_DUPLICATE_REQUEST_ID' });
      expect(c.frames()).toEqual([{ id: 7 }]);
    });

    it('reads ids with the correlate functions, and drops unmatched replies when the protocol has no @OnData', async () => {
      const c = t.connect(TaggedClient);
      const requests = Requester.of<{ tag: string }, { re: string; v: number }>(c.connection);
      const x = requests.request({ tag: 'x' });
      c.send('{"re":"zz","v":0}\n{"v":1}\n{"re":"x","v":2}\n');
      await expect(x).resolves.toEqual({ re: 'x', v: 2 });
      expect(requests.unmatched).toBe(1);
      expect(c.closed).toBe(false);
      expect(t.logs.records.some((r) => r.level === 'warn' && /answers no pending request/.test(r.msg))).toBe(true);
    });

    it('rejects every pending request when the connection closes', async () => {
      const c = t.connect(RpcClient);
      const requests = Requester.of<Rpc, Rpc>(c.connection);
      const pending = [outcome(requests.request({ id: 1 })), outcome(requests.request({ id: 2 }))];
      c.peerClose();
      await turns();
      for (const p of pending) expect(p.error).toMatchObject({ code: 'TORSION_ERR_CONNECTION_CLOSED', closeReason: { kind: 'done' } });
    });
  });

  it('builds the Requester before @OnConnect, so a protocol can request from it', async () => {
    const c = t.connect(Greeter);
    expect(c.frames()).toEqual(['HELLO']);
    c.send('welcome\n');
    await expect(c.protocol.greeting).resolves.toBe('welcome');
  });

  it('drives a client against a server protocol in memory', async () => {
    @Listen(7000)
    @Protocol({ codec: lines() })
    class Upper {
      @OnData() upper(line: string): string {
        return line.toUpperCase();
      }
    }
    @Module({ protocols: [LineClient, Upper] })
    class PairModule {}
    const app = createTestingApp(PairModule);
    try {
      const pair = app.connectPair(LineClient, Upper);
      const requests = Requester.of<string, string>(pair.client.connection);
      const replies = Promise.all(['a', 'b', 'c'].map((line) => requests.request(line)));
      await pair.pump();
      await expect(replies).resolves.toEqual(['A', 'B', 'C']);
    } finally {
      await app.close();
    }
  });

  it('takes requests from a protocol options token like the codec', async () => {
    const OPTIONS = Symbol('OPTIONS');
    @Protocol({ options: OPTIONS })
    class Configured {}
    @Module({ protocols: [Configured], providers: [{ provide: OPTIONS, useValue: { codec: lines(), requests: { timeoutMs: 50 } } }] })
    class ConfiguredModule {}
    const app = createTestingApp(ConfiguredModule);
    try {
      const c = app.connect(Configured);
      const pending = outcome(Requester.of<string, string>(c.connection).request('Q'));
      expect(c.frames()).toEqual(['Q']);
      await app.advance(50);
      expect(pending.error).toBeInstanceOf(RequestTimeoutError);
    } finally {
      await app.close();
    }
  });

  it('still requires @OnData when a protocol options token declares no requests', () => {
    const OPTIONS = Symbol('OPTIONS');
    @Protocol({ options: OPTIONS })
    class Configured {}
    @Module({ protocols: [Configured], providers: [{ provide: OPTIONS, useValue: { codec: lines() } }] })
    class ConfiguredModule {}
    expect(() => createTestingApp(ConfiguredModule)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_NO_DATA_HANDLER', target: 'Configured' }));
  });

  it('rejects the requests still pending when the application closes (no frame is taken once shutdown begins)', async () => {
    const c = t.connect(LineClient);
    const pending = outcome(Requester.of<string, string>(c.connection).request('Q', { timeoutMs: 0 }));
    const closing = t.close({ timeoutMs: 1000 });
    await t.advance(1000);
    await closing;
    expect(pending.error).toBeInstanceOf(ConnectionClosedError);
  });

  it('a protocol without requests has no Requester', () => {
    const c = t.connect(NoRequests);
    expect(() => Requester.of(c.connection)).toThrow(OptionError);
  });

  describe('bootstrap checks', () => {
    function compile(requests: unknown): () => unknown {
      @Protocol({ codec: lines(), requests: requests as never })
      class Bad {}
      @Module({ protocols: [Bad] })
      class BadModule {}
      return () => createTestingApp(BadModule);
    }

    it.each([
      [{ maxPending: 0 }, /maxPending must be a positive integer/],
      [{ timeoutMs: -5 }, /timeoutMs must be a number of ms from 0/],
      [{ timeoutMs: 2 ** 31 }, /timeoutMs must be a number of ms from 0 \(no timeout\) to 2147483647/],
      [{ correlate: '' }, /must name the id field/],
      [{ correlate: { requestId: () => 1 } }, /requestId\(frame\), replyId\(frame\)/],
      [{ correlate: 'id', push: () => true }, /push is for pipelined requests/],
    ])('rejects requests %p', (requests, message) => {
      const build = compile(requests);
      expect(build).toThrow(BootstrapError);
      expect(build).toThrow(message);
    });

    it('still requires @OnData of a protocol that makes no requests', () => {
      expect(compile(undefined)).toThrow(/has no @OnData\(\) handler/);
    });

    it('refuses requests on a UDP protocol', () => {
      @Listen({ port: 0, transport: 'udp' })
      @Protocol({ requests: {} })
      class Udp {}
      @Module({ protocols: [Udp] })
      class UdpModule {}
      expect(() => createTestingApp(UdpModule)).toThrow(/requests are for stream connections/);
    });
  });
});
