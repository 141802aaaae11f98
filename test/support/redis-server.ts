import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';

/**
 * A throwaway redis-server for tests: no persistence, loopback only, on a port picked free. Every
 * wait is bounded; `kill()` stops it by its PID, `start()` brings it up again on the same port.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(readonly port: number) {}

  /** Starts one on a free port. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** (Re)starts the server on its port; resolves once it accepts connections (20 s at most). */
  async start(timeoutMs = 20_000): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`redis-server did not start on port ${this.port} within ${timeoutMs} ms: ${out}`)), timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      const early = (code: number | null): void => fail(new Error(`redis-server exited (${code}) on start: ${out}`));
      child.once('error', fail); // not installed
      child.once('exit', early);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          child.removeListener('exit', early);
          resolve();
        }
      });
    });
    child.stdout?.resume();
    child.stderr?.resume();
  }

  /** Kills the server by its PID (SIGKILL: a crash, no goodbye to clients) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid as number, 'SIGKILL');
    await this.exited;
  }
}
