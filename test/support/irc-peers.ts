import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './free-port';
import { Peer } from './peer';

/**
 * Real IRC peers for end-to-end tests (see /work/shared/PEERS.md): Debian's `ngircd` (a real
 * IRC server) and `ii` (suckless' file-driven client), each started on a free port from a temp
 * directory the test owns and stopped by PID; and `IrcPeer`, a scripted socket client.
 * Every wait is bounded.
 */


/** Polls `check` every 50 ms until it holds, or rejects after `timeoutMs` naming `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A started child process, stopped by its PID. */
export interface Started {
  readonly child: ChildProcess;
  /** What it printed (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

function start(command: string, args: string[], cwd: string): Started {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    },
  };
}

/** A temp directory for one peer; world-writable, as ngircd drops to the `irc` user when run as root. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o777);
  return dir;
}

/** ngircd on a free port of 127.0.0.1, in the foreground, configured from a file in its own temp dir; resolves once it accepts connections. */
export async function startNgircd(): Promise<Started & { port: number; name: string; dir: string }> {
  const dir = tempDir('torsion-ngircd-');
  const port = await freePort();
  const name = 'irc.example.test';
  const conf = path.join(dir, 'ngircd.conf');
  fs.writeFileSync(
    conf,
    [
      '[Global]', `  Name = ${name}`, '  Info = torsion test server', '  Listen = 127.0.0.1', `  Ports = ${port}`,
      `  PidFile = ${path.join(dir, 'ngircd.pid')}`, '  ServerUID = irc', '  ServerGID = irc',
      '[Limits]', '  PingTimeout = 120', '  PongTimeout = 120',
      '[Options]', '  DNS = no', '  Ident = no', '  PAM = no', '',
    ].join('\n'),
  );
  const started = start('ngircd', ['-n', '-f', conf], dir);
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect({ port, host: '127.0.0.1' });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      }),
    `ngircd listening on ${port} (${started.output()})`,
  );
  return { ...started, port, name, dir, stop: async () => {
    await started.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  } };
}

/** ii connected to 127.0.0.1:`port` as `nick`, driven through its files (see PEERS.md). */
export interface Ii extends Started {
  readonly dir: string;
  /** Writes a line to the server's `in` FIFO (`/j #chan`), or a channel's when `channel` is given. */
  input(line: string, channel?: string): Promise<void>;
  /** The server's `out` file, or a channel's. */
  out(channel?: string): string;
}

/** Starts `ii`; resolves once its server `in` FIFO exists. */
export async function startIi(port: number, nick: string): Promise<Ii> {
  const dir = tempDir('torsion-ii-');
  const started = start('ii', ['-s', '127.0.0.1', '-p', String(port), '-n', nick, '-i', dir], dir);
  const server = path.join(dir, '127.0.0.1');
  const file = (channel: string | undefined, name: string): string => (channel === undefined ? path.join(server, name) : path.join(server, channel.toLowerCase(), name));
  await waitFor(() => fs.existsSync(file(undefined, 'in')), `ii's in FIFO (${started.output()})`);
  return {
    ...started,
    dir,
    async input(line, channel) {
      const fifo = file(channel, 'in');
      await waitFor(() => fs.existsSync(fifo), `ii's FIFO ${fifo}`);
      // ii holds its FIFOs open for reading, so this write does not wait for a reader.
      await fs.promises.appendFile(fifo, `${line}\n`);
    },
    out(channel) {
      const f = file(channel, 'out');
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
    },
    stop: async () => {
      await started.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A scripted IRC client over a socket: registers, sends lines, waits for lines. */
export class IrcPeer {
  private constructor(readonly peer: Peer) {}

  /** Connects and registers as `nick`; resolves after the welcome (001). */
  static async register(port: number, nick: string): Promise<IrcPeer> {
    const irc = new IrcPeer(await Peer.connect(port));
    irc.send(`NICK ${nick}`, `USER ${nick} 0 * :scripted ${nick}`);
    await irc.waitLine(new RegExp(`^:\\S+ 001 ${nick} `));
    return irc;
  }

  /** Every line received so far, without line endings. */
  lines(): string[] {
    return this.peer.text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
  }

  /** Sends lines, CRLF added. */
  send(...lines: string[]): void {
    this.peer.send(lines.map((l) => `${l}\r\n`).join(''));
  }

  /** Waits for a line matching `pattern` (bounded); resolves with it. */
  async waitLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    await this.peer.until((p) => p.closed || this.lines().some((l) => pattern.test(l)), timeoutMs, `a line matching ${pattern}`);
    const line = this.lines().find((l) => pattern.test(l));
    if (line === undefined) throw new Error(`connection closed before a line matching ${pattern}; got:\n${this.lines().join('\n')}`);
    return line;
  }

  /** Closes the socket. */
  close(): Promise<void> {
    return this.peer.close();
  }
}
