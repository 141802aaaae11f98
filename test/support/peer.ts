import * as net from 'node:net';
import { StringDecoder } from 'node:string_decoder';

/**
 * A plain node:net client for end-to-end tests: collects everything the server sends and
 * waits (bounded in time) for a condition on it.
 *
 * Received chunks are kept in a list with a running byte count and joined only when asked
 * for (`received`, `text`): concatenating on every chunk made a 32 MiB transfer quadratic.
 */
export class Peer {
  readonly socket: net.Socket;
  /** Bytes received so far; cheap to read in a predicate (unlike `received.length`). */
  receivedBytes = 0;
  ended = false;
  closed = false;
  error: Error | undefined;
  private waiters: Array<() => void> = [];
  /** Every chunk received, in order; collapsed into one when `received` is read. */
  private chunks: Buffer[] = [];
  /** Chunks not yet decoded into `decoded` (decoding is lazy too, and incremental). */
  private undecoded: Buffer[] = [];
  private readonly decoder = new StringDecoder('utf8');
  private decoded = '';
  private readonly closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.undecoded.push(chunk);
      this.receivedBytes += chunk.length;
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (error) => {
      this.error = error;
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      });
    });
  }

  static connect(port: number, host = '127.0.0.1', options: { allowHalfOpen?: boolean } = {}): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, allowHalfOpen: options.allowHalfOpen ?? false });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Peer(socket));
      });
    });
  }

  /** Everything received so far, as one Buffer (joined once per call that finds new chunks). */
  get received(): Buffer {
    if (this.chunks.length === 0) return Buffer.alloc(0);
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.receivedBytes)];
    return this.chunks[0];
  }

  /**
   * Everything received so far as UTF-8 text, decoded incrementally (only the chunks that
   * arrived since the last call). A character whose bytes are still incomplete is left out
   * until the rest arrives.
   */
  get text(): string {
    if (this.undecoded.length > 0) {
      for (const chunk of this.undecoded) this.decoded += this.decoder.write(chunk);
      this.undecoded = [];
    }
    return this.decoded;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends `data` and resolves once it has been handed to the kernel (the socket's write callback). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  /** Waits until `predicate` holds, failing after `timeoutMs`. */
  async until(predicate: (peer: Peer) => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received so far: ${JSON.stringify(this.text.slice(-200))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until at least `n` bytes arrived. */
  receive(n: number, timeoutMs = 5000): Promise<void> {
    return this.until((p) => p.receivedBytes >= n, timeoutMs, `${n} bytes`);
  }

  waitClosed(timeoutMs = 5000): Promise<void> {
    return this.until((p) => p.closed, timeoutMs, 'close');
  }

  /** Destroys the socket; the promise resolves once it has emitted 'close' (await it in teardown). */
  close(): Promise<void> {
    this.socket.destroy();
    return this.closedPromise;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Resolves when `predicate` holds, polling every few ms; bounded by `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Destroys `socket` and resolves once it has emitted 'close' (for awaited teardown). */
export function destroySocket(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.destroy();
  return closed;
}
