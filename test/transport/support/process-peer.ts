import { spawn } from 'node:child_process';

export interface ProcessResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; null when we stopped it (after `until` held). */
  readonly code: number | null;
}

/**
 * Runs a real peer (openssl s_client, socat...) as a child process: writes `input` to its stdin,
 * then waits until `until(stdout)` holds (and kills it) or it exits by itself. Bounded by
 * `timeoutMs`, after which it is killed and the promise rejects with what it printed.
 */
export function runPeer(
  command: string,
  args: string[],
  options: { input?: string | Buffer; until?: (stdout: string) => boolean; timeoutMs?: number; endInput?: boolean } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stoppedByUs = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out; stdout=${JSON.stringify(stdout)} stderr=${JSON.stringify(stderr.slice(-500))}`));
    }, options.timeoutMs ?? 10_000);
    const check = (): void => {
      if (!stoppedByUs && options.until?.(stdout)) {
        stoppedByUs = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      check();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.on('error', () => undefined); // the peer may exit before reading everything
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: stoppedByUs ? null : code });
    });
    if (options.input !== undefined) child.stdin.write(options.input);
    if (options.endInput) child.stdin.end();
  });
}

/** A logger-compatible sink that keeps every line (for asserting on warnings). */
export function captureLines(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => lines.push(line) };
}
