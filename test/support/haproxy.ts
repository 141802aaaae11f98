import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './free-port';

/** Where haproxy is, or undefined when it is not installed (tests then skip, saying so). */
export function haproxyBinary(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' });
  const file = found.stdout.trim();
  return found.status === 0 && file !== '' ? file : undefined;
}


/** A running haproxy: its frontend port; `stop()` kills it by PID and removes its directory. */
export interface RunningHaproxy {
  readonly port: number;
  readonly pid: number;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts `haproxy -db -f cfg` (foreground, unprivileged) in TCP mode: a frontend on a free
 * 127.0.0.1 port relaying to 127.0.0.1:`backendPort` with `serverOptions` (e.g. `send-proxy-v2
 * check inter 200ms`). Resolves once the frontend accepts connections (bounded: 20 s).
 */
export async function startHaproxy(binary: string, backendPort: number, serverOptions: string): Promise<RunningHaproxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-haproxy-'));
  const port = await freePort();
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 100',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 20s',
      '  timeout server 20s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  default_backend be',
      'backend be',
      `  server s1 127.0.0.1:${backendPort} ${serverOptions}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['-db', '-f', cfg], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async (): Promise<void> => {
    if (!gone && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (gone) {
      await stop();
      throw new Error(`haproxy exited at start: ${err}`);
    }
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not listen on ${port} within 20 s: ${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, pid: child.pid as number, stderr: () => err, stop };
}

/** True when a connection to 127.0.0.1:`port` is accepted (then closed at once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
