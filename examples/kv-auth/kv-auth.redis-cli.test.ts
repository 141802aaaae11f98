import { execFile, execFileSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { bootstrap, silentLogger, type Application } from 'torsion';
import { KvAuth, KvAuthModule } from './app';

/**
 * kv-auth on a real socket, driven by redis-cli (CI installs redis-tools; without it this test
 * fails rather than skips), and its command timings on the real /metrics listener.
 */

function cli(port: number, args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') reject(new Error(`redis-cli ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

describe('examples/kv-auth with redis-cli, metrics on /metrics', () => {
  let app: Application;
  let port: number;

  beforeAll(async () => {
    try {
      execFileSync('redis-cli', ['--version'], { stdio: 'pipe' });
    } catch {
      throw new Error('redis-cli is not installed: install it with `apt-get install -y redis-tools`');
    }
    const registry = new Registry();
    app = await bootstrap(KvAuthModule.configure({ password: 'secret', registry }), {
      listen: [[KvAuth, { port: 0, host: '127.0.0.1' }]],
      metrics: { port: 0, registry },
      logger: silentLogger,
    });
    port = app.address(KvAuth).port;
  });
  afterAll(() => app?.close());

  it('redis-cli -a secret authenticates; without it every command gets NOAUTH, and the connection goes on', async () => {
    expect((await cli(port, ['-a', 'secret', '--no-auth-warning', 'SET', 'greeting', 'hello'])).stdout).toBe('OK\n');
    expect((await cli(port, ['-a', 'secret', '--no-auth-warning', 'GET', 'greeting'])).stdout).toBe('hello\n');
    // Without a tty, redis-cli prints an error reply raw, followed by an empty line.
    expect((await cli(port, ['GET', 'greeting'])).stdout).toBe('NOAUTH Authentication required.\n\n');
    // One connection: denied, a wrong password, then AUTH, and the same connection is served.
    const session = await cli(port, [], 'GET greeting\nAUTH guess\nAUTH secret\nGET greeting\nDEL greeting\n');
    expect(session.stdout).toBe('NOAUTH Authentication required.\n\nWRONGPASS invalid username-password pair or user is disabled.\n\nOK\nhello\n1\n');
  });

  it('the timing interceptor feeds kv_command_duration_seconds on /metrics', async () => {
    await cli(port, ['-a', 'secret', '--no-auth-warning', 'PING']);
    const { host, port: metricsPort } = app.metricsAddress!;
    const text = await (await fetch(`http://${host}:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/^kv_command_duration_seconds_count\{command="PING"\} [1-9]/m);
    expect(text).toMatch(/^kv_command_duration_seconds_count\{command="AUTH"\} [1-9]/m);
    expect(text).toMatch(/^kv_command_duration_seconds_bucket\{le="1",command="GET"\} [1-9]/m);
    expect(text).toContain('torsion_connections_accepted_total{protocol="KvAuth"');
  });
});
