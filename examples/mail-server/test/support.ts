import { spawn } from 'node:child_process';
import { Peer } from '../../../test/support/peer';

/** What a peer process printed, as bytes, and how it ended. */
export interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/**
 * Runs `command` (curl, python3) to completion, its output kept as bytes (a message compared
 * byte for byte must not pass through a text decoder). Killed by PID and rejected after `timeoutMs`.
 */
export function run(command: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')}: not done within ${timeoutMs} ms; stderr=${JSON.stringify(stderr.slice(-500))}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}

/** Like `run`, but a non-zero exit is an error carrying what it printed on stderr. */
export async function runOk(command: string, args: string[], timeoutMs?: number): Promise<Buffer> {
  const result = await run(command, args, timeoutMs);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** Every port of the `listening <transport> <host>:<port>` lines, in order. */
export function listeningPorts(stdout: string): number[] {
  return [...stdout.matchAll(/^listening \S+ \S+:(\d+)$/gm)].map((match) => Number(match[1]));
}

/** Which protocol answers on `port`: 'smtp' for a `220` greeting, 'imap' for `* OK`. */
export async function greetingOf(port: number, timeoutMs = 30_000): Promise<'smtp' | 'imap'> {
  const peer = await Peer.connect(port);
  try {
    await peer.until((p) => p.text.includes('\r\n'), timeoutMs, `the greeting on ${port}`);
    if (peer.text.startsWith('220 ')) return 'smtp';
    if (peer.text.startsWith('* OK')) return 'imap';
    throw new Error(`port ${port} greeted with ${JSON.stringify(peer.text)}`);
  } finally {
    await peer.close();
  }
}

/**
 * Splits a stored message into our `Received:` header (the first header, with its folded
 * continuation lines) and the rest, which is what the client sent. Undefined when it does not
 * start with one.
 */
export function splitReceived(stored: Buffer): { header: string; rest: Buffer } | undefined {
  const match = /^Received: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*/.exec(stored.toString('latin1'));
  if (match === null) return undefined;
  return { header: match[0], rest: stored.subarray(match[0].length) };
}
