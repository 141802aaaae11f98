import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Module, Protocol, Listen, OnData, OnConnect, Connection, bootstrap, silentLogger, BootstrapError, ConnectError } from '../../src';
import { eventually } from '../support/peer';
import { runPeer } from './support/process-peer';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-unix-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const socketPath = path.join(dir, 'echo.sock');
const transports: string[] = [];

@Listen({ transport: 'unix', path: socketPath, mode: 0o660 })
@Protocol()
class UnixEcho {
  constructor(private readonly conn: Connection) {}
  @OnConnect() opened(): void {
    transports.push(this.conn.transport);
  }
  @OnData() echo(data: Buffer): Buffer {
    return data;
  }
}

@Module({ protocols: [UnixEcho] })
class EchoModule {}

const opts = { logger: silentLogger };

/** A socket file whose process died: bound (so the file exists) but never listening. */
function makeStaleSocket(file: string): void {
  execFileSync('python3', ['-c', 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', file]);
}

describe('Unix socket listener', () => {
  it('echoes to socat, applies the mode, and removes the file on close', async () => {
    const app = await bootstrap(EchoModule, opts);
    try {
      expect(app.address(UnixEcho)).toMatchObject({ transport: 'unix', path: socketPath });
      expect(fs.statSync(socketPath).mode & 0o777).toBe(0o660);
      const result = await runPeer('socat', ['-', `UNIX-CONNECT:${socketPath}`], { input: 'hello unix\n', until: (out) => out.includes('hello unix') });
      expect(result.stdout).toBe('hello unix\n');
      expect(transports).toContain('unix');
    } finally {
      await app.close();
    }
    expect(fs.existsSync(socketPath)).toBe(false);
  });

  it('replaces a stale socket file left by a crashed run', async () => {
    makeStaleSocket(socketPath);
    expect(fs.lstatSync(socketPath).isSocket()).toBe(true);
    const app = await bootstrap(EchoModule, opts);
    try {
      const result = await runPeer('socat', ['-', `UNIX-CONNECT:${socketPath}`], { input: 'again\n', until: (out) => out.includes('again') });
      expect(result.stdout).toBe('again\n');
    } finally {
      await app.close();
    }
  });

  it('refuses, with TORSION_ERR_ADDRESS_IN_USE, a path another process accepts on', async () => {
    const other = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => other.listen(socketPath, resolve));
    try {
      const error = (await bootstrap(EchoModule, opts).catch((e: unknown) => e)) as BootstrapError;
      expect(error).toBeInstanceOf(BootstrapError);
      expect(error.code).toBe('TORSION_ERR_ADDRESS_IN_USE');
      expect(fs.lstatSync(socketPath).isSocket()).toBe(true); // left alone
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('never deletes a path that is not a socket', async () => {
    fs.writeFileSync(socketPath, 'precious');
    try {
      const error = (await bootstrap(EchoModule, opts).catch((e: unknown) => e)) as BootstrapError;
      expect(error).toBeInstanceOf(BootstrapError);
      expect(error.message).toMatch(/not a socket/);
      expect(fs.readFileSync(socketPath, 'utf8')).toBe('precious');
    } finally {
      fs.unlinkSync(socketPath);
    }
  });
});

describe('app.connect over a Unix socket', () => {
  @Protocol()
  class Client {
    readonly got: string[] = [];
    @OnData() data(chunk: Buffer): void {
      this.got.push(chunk.toString());
    }
  }
  @Module({ protocols: [Client] })
  class ClientModule {}

  it('connects by path and exchanges data', async () => {
    const server = await bootstrap(EchoModule, opts);
    const app = await bootstrap(ClientModule, opts);
    try {
      const client = await app.connect(Client, { transport: 'unix', path: socketPath });
      expect(client.connection.transport).toBe('unix');
      client.connection.write('via unix');
      await eventually(() => client.protocol.got.join('') === 'via unix');
    } finally {
      await app.close();
      await server.close();
    }
  });

  it('rejects with TORSION_ERR_CONNECT_REFUSED when nothing listens on the path', async () => {
    const app = await bootstrap(ClientModule, opts);
    try {
      const error = await app.connect(Client, { transport: 'unix', path: path.join(dir, 'nobody.sock') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe('TORSION_ERR_CONNECT_REFUSED');
    } finally {
      await app.close();
    }
  });
});
