import * as dgram from 'node:dgram';

/** A node:dgram peer for tests: sends datagrams and collects replies, waiting (bounded) for them. */
export class UdpPeer {
  readonly replies: Buffer[] = [];
  private wake: (() => void) | undefined;

  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (message: Buffer) => {
      this.replies.push(message);
      this.wake?.();
    });
  }

  static async open(type: 'udp4' | 'udp6' = 'udp4', host = type === 'udp4' ? '127.0.0.1' : '::1'): Promise<UdpPeer> {
    const socket = dgram.createSocket(type);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => resolve());
    });
    return new UdpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: string | Buffer, port: number, host = '127.0.0.1'): void {
    this.socket.send(data, port, host);
  }

  /** Waits until `n` replies arrived (5 s at most); returns them as strings. */
  async receive(n: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} datagrams; got ${JSON.stringify(this.replies.map(String))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.replies.map((r) => r.toString('utf8'));
  }

  /** Closes the socket; resolves once it has closed (await it in teardown). */
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
