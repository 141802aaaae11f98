import * as net from 'node:net';

/**
 * A plain node:net client for end-to-end tests: collects everything the server sends and
 * waits (bounded in time) for a condition on it.
 */
export class Peer {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  ended = false;
  closed = false;
  error: Error | undefined;
  private waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (error) => {
      this.error = error;
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
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

  get text(): string {
    return this.received.toString('utf8');
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
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
    return this.until((p) => p.received.length >= n, timeoutMs, `${n} bytes`);
  }

  waitClosed(timeoutMs = 5000): Promise<void> {
    return this.until((p) => p.closed, timeoutMs, 'close');
  }

  close(): void {
    this.socket.destroy();
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
