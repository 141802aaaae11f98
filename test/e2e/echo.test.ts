import { Module, Protocol, Listen, OnData, OnConnect, OnClose, Connection, bootstrap, silentLogger, type Application, type CloseReason } from '../../src';
import { Peer, eventually } from '../support/peer';

const closes: CloseReason[] = [];

@Listen(8000)
@Protocol()
class Echo {
  constructor(readonly conn: Connection) {}
  @OnConnect() hello(): string {
    return `hi ${this.conn.id}\n`;
  }
  @OnData() echo(data: Buffer): Buffer {
    return data;
  }
  @OnClose() bye(reason: CloseReason): void {
    closes.push(reason);
  }
}

@Module({ protocols: [Echo] })
class AppModule {}

describe('echo over TCP', () => {
  let app: Application;
  beforeAll(async () => {
    app = await bootstrap(AppModule, { listen: [[Echo, { port: 0, host: '127.0.0.1' }]], logger: silentLogger });
  });
  afterAll(async () => {
    await app.close();
  });

  it('greets on connect and echoes bytes back', async () => {
    const peer = await Peer.connect(app.address(Echo).port);
    await peer.until((p) => p.text.includes('\n'));
    peer.send('hello');
    await peer.until((p) => p.text.endsWith('hello'));
    expect(peer.text).toMatch(/^hi \d+\nhello$/);
    await peer.close();
    await eventually(() => app.metrics().connections === 0);
    expect(closes.at(-1)?.kind).toBe('done');
  });
});
