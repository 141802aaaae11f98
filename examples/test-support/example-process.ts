import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';

/**
 * Runs an example's main.ts as its own node process (transpiled on load by register-ts.js), for
 * tests that need the process itself: its exit code and stderr, or a server whose event loop
 * may stall without stalling the test. Every wait is bounded; `stop()` kills it.
 */
export interface ExampleProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
  /** Settles when it exits, with its exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Waits (bounded) until `predicate(stdout)` holds; rejects with what was printed otherwise. */
  waitForStdout(predicate: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Kills it (SIGKILL) unless it has exited, and waits for the exit. */
  stop(): Promise<void>;
}

const ROOT = path.join(__dirname, '..', '..');
const REGISTER = path.join(__dirname, 'register-ts.js');

/** Spawns `examples/<name>/main.ts` with `env` added to this process's environment. */
export function spawnExample(name: string, env: Record<string, string>): ExampleProcess {
  return spawnScript(path.join(ROOT, 'examples', name, 'main.ts'), env, `examples/${name}`);
}

/**
 * Spawns any TypeScript entry point (a test fixture) the way `spawnExample` spawns an example;
 * `nodeFlags` go to node before the script (`--allow-natives-syntax`, ...).
 */
export function spawnScript(file: string, env: Record<string, string>, name = path.relative(ROOT, file), nodeFlags: readonly string[] = []): ExampleProcess {
  const child = spawn(process.execPath, [...nodeFlags, '-r', REGISTER, file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exitCode: number | null | undefined;
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      exitCode = code;
      notify();
      resolve(code);
    });
  });
  const describe = (): string => `stdout=${JSON.stringify(out)} stderr=${JSON.stringify(err.slice(-2000))}`;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout(predicate, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${name} did not print what was expected within ${timeoutMs} ms; ${describe()}`));
        }, timeoutMs);
        function check(): void {
          if (predicate(out)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(out);
          } else if (exitCode !== undefined) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`${name} exited (${exitCode}) before printing what was expected; ${describe()}`));
          }
        }
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (exitCode === undefined) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits (bounded) for `promise`; rejects with `what` when it takes longer than `timeoutMs`. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The port of the first `listening <transport> <host>:<port>` line. */
export function listeningPort(stdout: string): number {
  const match = /^listening \S+ \S+:(\d+)$/m.exec(stdout);
  if (match === null) throw new Error(`no listening line in ${JSON.stringify(stdout)}`);
  return Number(match[1]);
}
