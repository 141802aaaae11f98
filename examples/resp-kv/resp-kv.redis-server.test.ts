import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { bootstrap, silentLogger, type Application } from 'torsion';
import { within } from '../test-support/example-process';
import { RespKv, RespKvModule } from './app';
import { parseReplies, request, type Reply } from './test-support';

/**
 * Agreement with the real thing: every command below goes to a redis-server (7.0, started here
 * on a Unix socket, no persistence) and to resp-kv, and both answer the same, error wording
 * included. CI installs redis-server; without it this test fails rather than skips.
 */

/** A client that sends one request at a time and waits (bounded) for its one reply. */
class Client {
  private received = Buffer.alloc(0);
  private wake: (() => void) | undefined;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake?.();
    });
  }

  static async open(options: net.NetConnectOpts): Promise<Client> {
    const socket = net.connect(options);
    await within(new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject)), 10_000, 'connect');
    return new Client(socket);
  }

  async ask(args: string[]): Promise<Reply> {
    this.received = Buffer.alloc(0);
    this.socket.write(request(...args));
    const complete = (): Reply[] | undefined => {
      try {
        const replies = parseReplies(this.received);
        return replies.length > 0 ? replies : undefined;
      } catch {
        return undefined; // a reply still arriving
      }
    };
    const replies = await within(
      new Promise<Reply[]>((resolve) => {
        const check = (): void => {
          const done = complete();
          if (done !== undefined) resolve(done);
        };
        this.wake = check;
        check();
      }),
      20_000,
      `the reply to ${args.join(' ')}`,
    );
    expect(replies).toHaveLength(1);
    return replies[0];
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Commands whose replies must agree. KEYS replies are compared as sets, and CONFIG GET's as sets
 * of pairs: Redis lists keys and parameters in its hash tables' order.
 */
const SCRIPT: string[][] = [
  ['PING'], ['PING', 'hello'], ['PING', 'a', 'b'], ['ECHO', 'héllo'], ['ECHO'],
  ['GET', 'k'], ['SET', 'k', 'v'], ['GET', 'k'], ['get', 'k', 'x'], ['SET', 'k'],
  ['SET', 'k', 'v1', 'NX'], ['SET', 'n1', 'v', 'NX'], ['SET', 'other', 'x', 'XX'], ['SET', 'k', 'v2', 'XX', 'GET'], ['SET', 'fresh', 'v', 'GET'],
  ['SET', 'k', 'v', 'NX', 'XX'], ['SET', 'k', 'v', 'EX'], ['SET', 'k', 'v', 'EX', '10', 'PX', '100'], ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'],
  ['SET', 'k', 'v', 'BOGUS'], ['SET', 'k', 'v', 'EX', 'ten'], ['SET', 'k', 'v', 'EX', '0'], ['SET', 'k', 'v', 'PX', '-5'],
  ['SET', 'k', 'v', 'EX', '9223372036854775807'], ['SET', 'k', 'v', 'EX', '9223372036854775'], ['SET', 'k', 'v', 'PX', '9223372036854775807'],
  ['SET', 't', 'v', 'EX', '100'], ['TTL', 't'], ['SET', 't', 'w', 'KEEPTTL'], ['TTL', 't'], ['SET', 't', 'w'], ['TTL', 't'], ['TTL', 'missing'], ['PTTL', 'missing'], ['PTTL', 't'],
  ['INCR', 'n'], ['INCR', 'n'], ['DECR', 'n'], ['DECR', 'm'], ['INCRBY', 'n', '41'], ['DECRBY', 'n', '50'], ['GET', 'n'], ['INCRBY', 'n', '1.5'], ['INCRBY', 'n', '+1'],
  ['DECRBY', 'n', '-9223372036854775808'], ['SET', 's', 'abc'], ['INCR', 's'], ['SET', 's', '007'], ['INCR', 's'], ['SET', 'big', '9223372036854775806'], ['INCR', 'big'], ['INCR', 'big'],
  ['INCRBY', 'big', '-1'], ['SET', 'low', '-9223372036854775808'], ['DECR', 'low'], ['INCR'], ['INCRBY', 'n'],
  ['EXISTS', 'k', 'n', 'nope', 'k'], ['DEL', 'k', 'nope', 'k'], ['EXISTS', 'k'], ['DEL'], ['EXISTS'],
  ['SET', 'e', 'v'], ['EXPIRE', 'e', '100', 'XX'], ['EXPIRE', 'e', '100', 'GT'], ['EXPIRE', 'e', '100', 'NX'], ['EXPIRE', 'e', '50', 'NX'], ['EXPIRE', 'e', '50', 'GT'],
  ['EXPIRE', 'e', '200', 'GT'], ['EXPIRE', 'e', '300', 'LT'], ['PEXPIRE', 'e', '5000000', 'LT'], ['TTL', 'e'], ['PERSIST', 'e'], ['PERSIST', 'e'], ['TTL', 'e'],
  ['EXPIRE', 'e', '10', 'NX', 'XX'], ['EXPIRE', 'e', '10', 'GT', 'LT'], ['EXPIRE', 'e', '10', 'SOON'], ['EXPIRE', 'e', 'x'], ['EXPIRE', 'e', '9223372036854775'],
  ['EXPIRE', 'e', '-9223372036854776'], ['PEXPIRE', 'e', '9223372036854775806'], ['EXPIRE', 'e'], ['EXPIRE', 'nokey', '10'], ['EXPIRE', 'e', '-1'], ['EXISTS', 'e'],
  ['PEXPIRE', 'nokey', '-9223372036854775808'], ['TTL'], ['PERSIST', 'nokey'],
  ['SET', 'hello', '1'], ['SET', 'hallo', '1'], ['SET', 'hxllo', '1'], ['SET', 'hllo', '1'], ['SET', 'h*llo', '1'], ['SET', '', 'empty'],
  ['KEYS', 'h?llo'], ['KEYS', 'h*llo'], ['KEYS', 'h[ae]llo'], ['KEYS', 'h[^e]llo'], ['KEYS', 'h[b-a]llo'], ['KEYS', 'h\\*llo'], ['KEYS', '*'], ['KEYS', '**'], ['KEYS', ''], ['KEYS'],
  ['DBSIZE'], ['DBSIZE', 'x'],
  ['CONFIG', 'GET', 'save'], ['CONFIG', 'GET', 'SAVE', 'appendonly'], ['CONFIG', 'GET', 'save', 'SAVE', 'sav*'], ['CONFIG', 'GET', 'no-such-thing'], ['CONFIG', 'GET', 'sa\\ve'],
  ['CONFIG', 'GET'], ['CONFIG', 'NOPE', 'x'], ['CONFIG'], ['COMMAND', 'COUNT', 'x'], ['COMMAND', 'NOPE'],
  ['FOO', 'a', 'b'], ['nope', 'line\r\nbreak'], ['x', 'a'.repeat(200), 'b'],
  ['FLUSHALL', 'NOW'], ['FLUSHALL', 'ASYNC', 'x'], ['FLUSHALL', 'sync'], ['DBSIZE'], ['FLUSHALL'],
];

function redisServerVersion(): string {
  try {
    return execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  } catch {
    throw new Error('redis-server is not installed: this test compares resp-kv with it; install it with `apt-get install -y redis-server`');
  }
}

describe('examples/resp-kv agrees with redis-server', () => {
  let app: Application;
  let server: ChildProcess | undefined;
  let dir: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    expect(redisServerVersion()).toMatch(/v=7\.0\./); // resp-kv words its errors as Redis 7.0 does
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resp-kv-redis-'));
    const socket = path.join(dir, 'redis.sock');
    const child = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    server = child;
    await within(
      new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
        const poll = (): void => {
          if (fs.existsSync(socket)) resolve();
          else setTimeout(poll, 20);
        };
        poll();
      }),
      20_000,
      'redis-server start',
    );
    app = await bootstrap(RespKvModule, { listen: [[RespKv, { port: 0, host: '127.0.0.1' }]], logger: silentLogger });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await app?.close();
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      process.kill(server.pid, 'SIGKILL');
      await within(exited, 10_000, 'redis-server exit');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${SCRIPT.length} commands, errors and edge cases included, as redis-server does`, async () => {
    const redis = await Client.open({ path: path.join(dir, 'redis.sock') });
    const ours = await Client.open({ port: app.address(RespKv).port, host: '127.0.0.1' });
    clients.push(redis, ours);
    const disagreements: string[] = [];
    for (const args of SCRIPT) {
      const sorted = (reply: Reply): Reply => {
        if (!Array.isArray(reply)) return reply;
        if (args[0] === 'KEYS') return [...reply].sort();
        const pairs: Reply[] = [];
        for (let i = 0; i < reply.length; i += 2) pairs.push(reply.slice(i, i + 2));
        return pairs.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      };
      const expected = sorted(await redis.ask(args));
      const actual = sorted(await ours.ask(args));
      if (JSON.stringify(actual) !== JSON.stringify(expected)) disagreements.push(`${JSON.stringify(args)}: redis ${JSON.stringify(expected)}, resp-kv ${JSON.stringify(actual)}`);
    }
    expect(disagreements).toEqual([]);
  });
});
