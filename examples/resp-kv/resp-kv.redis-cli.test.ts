import { execFile, execFileSync } from 'node:child_process';
import { bootstrap, silentLogger, type Application } from 'torsion';
import { RespKv, RespKvModule } from './app';
import { request } from './test-support';

/**
 * resp-kv against the real Redis tools over TCP: redis-cli (arguments, stdin, --pipe) and
 * redis-benchmark. CI installs them (`apt-get install -y redis-tools`); without them these
 * tests fail, on purpose, rather than skip.
 */

function requireTool(tool: string): void {
  try {
    execFileSync(tool, ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error(`${tool} is not installed: these tests drive resp-kv with the real Redis tools; install them with \`apt-get install -y redis-tools\``);
  }
}

interface Run {
  stdout: string;
  stderr: string;
  /** The exit code (redis-cli --pipe exits 1 when a reply was an error). */
  code: number;
}

/** Runs `tool`, bounded by `timeoutMs`; rejects only when it cannot run or is killed. */
function run(tool: string, args: string[], input?: string | Buffer, timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(tool, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : error.code;
      if (typeof code === 'number') resolve({ stdout, stderr, code });
      else reject(new Error(`${tool} ${args.join(' ')} did not finish: ${error?.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
    child.stdin?.end(input);
  });
}

describe('examples/resp-kv with redis-cli and redis-benchmark', () => {
  let app: Application;
  let port: number;
  const cli = async (...args: string[]): Promise<string> => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout;

  beforeAll(async () => {
    requireTool('redis-cli');
    requireTool('redis-benchmark');
    app = await bootstrap(RespKvModule, { listen: [[RespKv, { port: 0, host: '127.0.0.1' }]], logger: silentLogger });
    port = app.address(RespKv).port;
  });
  afterAll(() => app?.close());

  it('redis-cli: one command per invocation', async () => {
    expect(await cli('PING')).toBe('PONG\n');
    expect(await cli('SET', 'greeting', 'hello world')).toBe('OK\n');
    expect(await cli('GET', 'greeting')).toBe('hello world\n');
    expect(await cli('INCR', 'counter')).toBe('1\n');
    expect(await cli('INCR', 'counter')).toBe('2\n');
    expect(await cli('EXPIRE', 'greeting', '100')).toBe('1\n');
    expect(await cli('TTL', 'greeting')).toBe('100\n');
    expect(await cli('TTL', 'missing')).toBe('-2\n');
    expect(await cli('EXISTS', 'greeting', 'counter', 'missing')).toBe('2\n');
    expect((await cli('KEYS', '*')).split('\n').filter(Boolean).sort()).toEqual(['counter', 'greeting']);
    expect(await cli('DEL', 'greeting', 'counter')).toBe('2\n');
    expect(await cli('GET', 'greeting')).toBe('\n'); // the null bulk, printed raw (no tty)
  });

  it('redis-cli: errors are printed as Redis prints them', async () => {
    // Without a tty, redis-cli prints an error reply raw, followed by an empty line.
    expect(await cli('FOO', 'a', 'b')).toBe("ERR unknown command 'FOO', with args beginning with: 'a' 'b' \n\n");
    expect(await cli('GET')).toBe("ERR wrong number of arguments for 'get' command\n\n");
    await cli('SET', 'text', 'abc');
    expect(await cli('INCR', 'text')).toBe('ERR value is not an integer or out of range\n\n');
    expect(await cli('SET', 'text', 'x', 'NX', 'XX')).toBe('ERR syntax error\n\n');
  });

  it('redis-cli: several commands on stdin over one connection', async () => {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port)], 'SET a 1\nINCR a\nGET a\nBOGUS x\nDEL a\nGET a\nPING\n');
    expect(stdout).toBe("OK\n2\n2\nERR unknown command 'BOGUS', with args beginning with: 'x' \n\n1\n\nPONG\n");
  });

  it('redis-cli --pipe: 2,000 pipelined commands, every reply, no errors', async () => {
    const commands: Buffer[] = [];
    for (let i = 0; i < 1000; i++) commands.push(request('SET', `pipe:${i}`, `value-${i}`));
    for (let i = 0; i < 1000; i++) commands.push(request('INCR', 'pipe:count'));
    const { stdout, code } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--pipe'], Buffer.concat(commands));
    // --pipe ends with an ECHO of 20 random bytes (not UTF-8) and waits for them: a binary-safety check.
    expect(stdout).toMatch(/errors: 0, replies: 2000/);
    expect(code).toBe(0);
    expect(await cli('GET', 'pipe:999')).toBe('value-999\n');
    expect(await cli('GET', 'pipe:count')).toBe('1000\n');
  });

  it('redis-cli --pipe counts error replies', async () => {
    const input = Buffer.concat([request('SET', 'x', '1'), request('NOPE'), request('GET')]);
    const { stdout, stderr, code } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--pipe'], input);
    expect(stdout).toMatch(/errors: 2, replies: 3/);
    expect(stderr).toBe("ERR unknown command 'NOPE', with args beginning with: \nERR wrong number of arguments for 'get' command\n");
    expect(code).toBe(1);
  });

  it('redis-benchmark -t ping,set,get -n 10000 -q: every test completes, no errors', async () => {
    const { stdout, stderr, code } = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-t', 'ping,set,get', '-n', '10000', '-q'], undefined, 60_000);
    // -q rewrites a progress line with '\r'; the final figure of each test ends with '\n'.
    const lines = stdout
      .split('\n')
      .map((line) => line.split('\r').pop()?.trim() ?? '')
      .filter((line) => line !== '');
    expect(code).toBe(0);
    expect(`${stdout}${stderr}`.toLowerCase()).not.toMatch(/error|warning/);
    expect(lines.map((line) => line.split(':')[0])).toEqual(['PING_INLINE', 'PING_MBULK', 'SET', 'GET']);
    for (const line of lines) {
      const match = /^[A-Z_]+: ([\d.]+) requests per second/.exec(line);
      expect(match).not.toBeNull();
      expect(Number(match?.[1])).toBeGreaterThan(0);
    }
    process.stdout.write(`redis-benchmark against resp-kv:\n${lines.join('\n')}\n`);
  });
});
