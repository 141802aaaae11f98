import { bootstrap, silentLogger, type Application } from 'torsion';
import { createTestingApp } from 'torsion/testing';
import { Peer } from '../../test/support/peer';
import { LineEcho, LineEchoModule } from './app';

describe('examples/line-echo', () => {
  describe('over a real socket', () => {
    let app: Application;
    beforeAll(async () => {
      app = await bootstrap(LineEchoModule, { listen: [[LineEcho, { port: 0, host: '127.0.0.1' }]], logger: silentLogger });
    });
    afterAll(async () => {
      await app.close();
    });

    it('echoes one line', async () => {
      const peer = await Peer.connect(app.address(LineEcho).port);
      peer.send('hello\n');
      await peer.until((p) => p.text === 'hello\n', 5000, 'the echo');
      expect(peer.text).toBe('hello\n');
      await peer.close();
    });

    it('echoes pipelined lines in order, CRLF or LF, UTF-8 intact, across split writes', async () => {
      const peer = await Peer.connect(app.address(LineEcho).port);
      const expected: string[] = [];
      let input = '';
      for (let i = 0; i < 500; i++) {
        const line = `line ${i} héllo ✓ ${'x'.repeat(i % 97)}`;
        expected.push(line);
        input += line + (i % 2 === 0 ? '\r\n' : '\n');
      }
      const bytes = Buffer.from(input, 'utf8');
      // Cut the stream at awkward places: inside a CRLF, inside a multi-byte character.
      const cuts = [1, 7, bytes.indexOf('\r') + 1, bytes.indexOf(0xc3) + 1, 4096, bytes.length];
      let at = 0;
      for (const cut of cuts.sort((a, b) => a - b)) {
        if (cut > at) peer.send(bytes.subarray(at, cut));
        at = cut;
      }
      const want = expected.map((l) => `${l}\n`).join('');
      await peer.until((p) => p.receivedBytes >= Buffer.byteLength(want), 5000, 'every echo');
      expect(peer.text).toBe(want);
      await peer.close();
    });

    it('echoes an empty line and a 64 KiB line', async () => {
      const peer = await Peer.connect(app.address(LineEcho).port);
      const big = 'z'.repeat(64 * 1024);
      peer.send(`\r\n${big}\n`);
      await peer.receive(1 + big.length + 1);
      expect(peer.text).toBe(`\n${big}\n`);
      await peer.close();
    });

    it('closes a connection whose line exceeds 64 KiB, and serves others meanwhile', async () => {
      const bad = await Peer.connect(app.address(LineEcho).port);
      const good = await Peer.connect(app.address(LineEcho).port);
      bad.send('y'.repeat(64 * 1024 + 10));
      await bad.waitClosed();
      expect(bad.text).toBe(''); // closed without echoing any part of the overlong line
      good.send('still here\n');
      await good.until((p) => p.text === 'still here\n', 5000, 'the echo');
      expect(good.text).toBe('still here\n');
      await good.close();
    });
  });

  it('in memory: echoes lines cut byte by byte', async () => {
    const t = createTestingApp(LineEchoModule);
    const c = t.connect(LineEcho);
    c.send('a\r\nbc\n\nd', { split: 1 });
    expect(c.text()).toBe('a\nbc\n\n');
    c.send('\n');
    expect(c.frames()).toEqual(['a', 'bc', '', 'd']);
    await t.close();
  });
});
