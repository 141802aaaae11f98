import {
  Catch,
  ForbiddenError,
  Listen,
  Module,
  OnCommand,
  OnError,
  Protocol,
  UseFilters,
  UseGuards,
  bootstrap,
  datagramUtf8,
  silentLogger,
  words,
  type Application,
  type DatagramAddress,
  type ExceptionFilter,
  type Guard,
  type RouteContext,
} from 'torsion';
import { createTestingApp, nextTurn, type TestingApp } from 'torsion/testing';
import { UdpPeer } from '../transport/support/udp-peer';

/**
 * Routing on a UDP protocol: one protocol instance serves the socket, every datagram is routed
 * on its own (words router), and whatever a route, guard or filter does concerns that datagram
 * and its sender only. Run in memory (MemoryDatagramWire) and on a real 127.0.0.1 socket.
 */

class Overheated extends Error {}

/** RESET only from the operator's address; the guard sees the datagram's sender. */
class OperatorOnly implements Guard {
  static operator = '192.0.2.1';
  canActivate(context: RouteContext<Counters>): boolean {
    return context.sender?.address === OperatorOnly.operator;
  }
}

@Catch(Overheated)
class OverheatedReply implements ExceptionFilter<Overheated> {
  catch(error: Overheated, context: RouteContext): string {
    return `ERR ${error.message} (${context.command})`;
  }
}

@Catch(ForbiddenError)
class DeniedReply implements ExceptionFilter<ForbiddenError> {
  catch(error: ForbiddenError, context: RouteContext): string {
    return `DENIED ${error.command} from ${context.sender?.address ?? '?'}`;
  }
}

@Listen({ port: 9400, transport: 'udp' })
@UseFilters(OverheatedReply)
@Protocol({ codec: datagramUtf8({ maxSize: 512 }), router: words() })
class Counters {
  readonly counts = new Map<string, number>();
  readonly errors: string[] = [];

  @OnCommand('INCR', { minArgs: 1, maxArgs: 2 }) incr(name: string, by = '1'): string {
    const next = (this.counts.get(name) ?? 0) + Number(by);
    if (next > 100) throw new Overheated(`${name} is over 100`);
    this.counts.set(name, next);
    return `${name}=${next}`;
  }

  @OnCommand('GET', { minArgs: 1, maxArgs: 1 }) async get(name: string): Promise<string> {
    await Promise.resolve(); // an async store, say: datagrams are served concurrently
    return `${name}=${this.counts.get(name) ?? 0}`;
  }

  @UseGuards(OperatorOnly)
  @UseFilters(DeniedReply)
  @OnCommand('RESET') reset(): string {
    this.counts.clear();
    return 'RESET';
  }

  @OnCommand('CRASH') crash(): string {
    throw new Error('a bug');
  }

  @OnError() failed(error: Error, sender: DatagramAddress): string {
    this.errors.push(`${error.message} from ${sender.port}`);
    return 'ERR internal';
  }
}

@Module({ protocols: [Counters] })
class CountersModule {}

describe('routing on UDP, in memory (MemoryDatagramWire)', () => {
  let t: TestingApp;
  afterEach(() => t.close());

  const operator = { address: '192.0.2.1', port: 4000 };
  const other = { address: '192.0.2.7', port: 5000 };

  it('routes each datagram by its first word, replies to its sender; unknown and arity get the router replies', async () => {
    t = createTestingApp(CountersModule);
    const udp = t.bindDatagram(Counters);
    udp.wire.inject('INCR a', operator);
    udp.wire.inject('incr a 5', other);
    udp.wire.inject('FLY away', other);
    udp.wire.inject('   ', other);
    udp.wire.inject('INCR', operator);
    udp.wire.inject('GET a b', operator);
    udp.wire.inject('GET a', other);
    await nextTurn();
    expect(udp.wire.sentTo(operator).map(String)).toEqual(['a=1', "ERR wrong number of arguments for 'INCR'", "ERR wrong number of arguments for 'GET'"]);
    expect(udp.wire.sentTo(other).map(String)).toEqual(['a=6', "ERR unknown command 'FLY'", 'ERR no command', 'a=6']);
    expect(udp.protocol.counts.get('a')).toBe(6);
  });

  it('a guard sees the sender: the operator may RESET, another sender is denied and the filter answers it', async () => {
    t = createTestingApp(CountersModule);
    const udp = t.bindDatagram(Counters);
    udp.wire.inject('INCR a 3', other);
    udp.wire.inject('RESET', other);
    udp.wire.inject('GET a', other);
    await nextTurn();
    expect(udp.wire.sentTo(other).map(String)).toEqual(['a=3', 'DENIED RESET from 192.0.2.7', 'a=3']);
    udp.wire.inject('RESET', operator);
    udp.wire.inject('GET a', operator);
    await nextTurn();
    expect(udp.wire.sentTo(operator).map(String)).toEqual(['RESET', 'a=0']);
  });

  it('a filter answers a route error for that datagram; an unanswered one goes to @OnError; the socket goes on', async () => {
    t = createTestingApp(CountersModule);
    const udp = t.bindDatagram(Counters);
    udp.wire.inject('INCR hot 100', other);
    udp.wire.inject('INCR hot', other);
    udp.wire.inject('CRASH', operator);
    udp.wire.inject('INCR cool', operator);
    await nextTurn();
    expect(udp.wire.sentTo(other).map(String)).toEqual(['hot=100', 'ERR hot is over 100 (INCR)']);
    expect(udp.wire.sentTo(operator).map(String)).toEqual(['ERR internal', 'cool=1']);
    expect(udp.protocol.errors).toEqual(['a bug from 4000']);
    expect(udp.socket.state).toBe('open');
  });
});

describe('routing on UDP, on a real 127.0.0.1 socket', () => {
  let app: Application;
  const peers: UdpPeer[] = [];

  beforeAll(async () => {
    app = await bootstrap(CountersModule, { listen: [[Counters, { port: 0, host: '127.0.0.1' }]], logger: silentLogger });
  });
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await app?.close();
  });

  async function peer(): Promise<UdpPeer> {
    const p = await UdpPeer.open('udp4');
    peers.push(p);
    return p;
  }

  it('routes, checks arity, answers unknown commands, guards by sender and filters errors, per datagram', async () => {
    const { port } = app.address(Counters);
    const a = await peer();
    const b = await peer();
    OperatorOnly.operator = '127.0.0.1';
    // One datagram at a time per peer: UDP may reorder nothing on loopback, but the async GET
    // replies after the sync ones, so each step waits for its reply.
    const ask = async (p: UdpPeer, text: string): Promise<string> => {
      const before = p.replies.length;
      p.send(text, port);
      const replies = await p.receive(before + 1, 20_000);
      return replies[before];
    };
    try {
      expect(await ask(a, 'INCR x 2')).toBe('x=2');
      expect(await ask(b, 'incr x')).toBe('x=3');
      expect(await ask(b, 'GET x')).toBe('x=3');
      expect(await ask(a, 'NOPE')).toBe("ERR unknown command 'NOPE'");
      expect(await ask(a, 'GET')).toBe("ERR wrong number of arguments for 'GET'");
      expect(await ask(b, 'INCR x 99')).toBe('ERR x is over 100 (INCR)');
      expect(await ask(a, 'CRASH')).toBe('ERR internal');
      expect(await ask(b, 'RESET')).toBe('RESET'); // from 127.0.0.1: the operator here
      expect(await ask(a, 'GET x')).toBe('x=0');
      OperatorOnly.operator = '192.0.2.1';
      expect(await ask(a, 'RESET')).toBe('DENIED RESET from 127.0.0.1');
    } finally {
      OperatorOnly.operator = '192.0.2.1';
    }
  });
});
