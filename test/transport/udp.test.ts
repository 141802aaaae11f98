import * as os from 'node:os';
import {
  Module,
  Protocol,
  Listen,
  OnData,
  OnError,
  OnConnect,
  OnClose,
  DatagramSocket,
  bootstrap,
  silentLogger,
  datagramJson,
  datagramUtf8,
  raw,
  BootstrapError,
  FrameError,
  FrameTooLargeError,
  type DatagramAddress,
} from '../../src';
import { runPeer } from './support/process-peer';
import { UdpPeer } from './support/udp-peer';

const opts = { logger: silentLogger };

describe('UDP listener', () => {
  it('echoes datagrams to socat, one protocol instance for the socket', async () => {
    let instances = 0;
    const events: string[] = [];
    @Listen({ port: 0, host: '127.0.0.1', transport: 'udp', codec: datagramUtf8() })
    @Protocol()
    class UdpEcho {
      constructor() {
        instances++;
      }
      @OnConnect() bound(socket: DatagramSocket): void {
        events.push(`bound:${socket.transport}`);
      }
      @OnData() echo(text: string): string {
        return text.toUpperCase();
      }
      @OnClose() closed(): void {
        events.push('closed');
      }
    }
    @Module({ protocols: [UdpEcho] })
    class M {}
    const app = await bootstrap(M, opts);
    try {
      const { port, transport } = app.address(UdpEcho);
      expect(transport).toBe('udp');
      const first = await runPeer('socat', ['-T2', '-', `UDP:127.0.0.1:${port}`], { input: 'hello udp\n', until: (out) => out.includes('HELLO UDP') });
      expect(first.stdout).toBe('HELLO UDP\n');
      const second = await runPeer('socat', ['-T2', '-', `UDP:127.0.0.1:${port}`], { input: 'again\n', until: (out) => out.includes('AGAIN') });
      expect(second.stdout).toBe('AGAIN\n');
      expect(instances).toBe(1);
    } finally {
      await app.close();
    }
    expect(events).toEqual(['bound:udp', 'closed']);
  });

  it('decodes JSON for a python3 peer, gives the handler the sender, and sends the reply back to it', async () => {
    const senders: DatagramAddress[] = [];
    @Listen({ port: 0, host: '127.0.0.1', transport: 'udp', codec: datagramJson() })
    @Protocol()
    class Counter {
      @OnData() bump(message: { n: number }, sender: DatagramAddress): { n: number } {
        senders.push(sender);
        return { n: message.n + 1 };
      }
    }
    @Module({ protocols: [Counter] })
    class M {}
    const app = await bootstrap(M, opts);
    try {
      const script = [
        'import socket, sys',
        's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
        's.settimeout(5)',
        's.bind(("127.0.0.1", 0))',
        's.sendto(b\'{"n": 41}\', ("127.0.0.1", int(sys.argv[1])))',
        'data, _ = s.recvfrom(65535)',
        'print(s.getsockname()[1], data.decode())',
      ].join('\n');
      const result = await runPeer('python3', ['-c', script, String(app.address(Counter).port)]);
      const [peerPort, reply] = result.stdout.trim().split(' ');
      expect(JSON.parse(reply)).toEqual({ n: 42 });
      expect(senders[0]).toMatchObject({ address: '127.0.0.1', port: Number(peerPort), family: 'IPv4', size: 9 });
    } finally {
      await app.close();
    }
  });

  it('treats an oversized, undecodable or failing datagram as an error for that datagram only', async () => {
    const errors: unknown[] = [];
    @Listen({ port: 0, host: '127.0.0.1', transport: 'udp', codec: datagramJson({ maxSize: 48 }) })
    @Protocol()
    class Strict {
      @OnData() async handle(message: { fail?: boolean; v?: number }): Promise<unknown> {
        await Promise.resolve();
        if (message.fail) throw new Error('handler refused');
        return { ok: message.v };
      }
      @OnError() oops(error: Error): { error: string } {
        errors.push(error);
        return { error: (error as { code?: string }).code ?? error.message };
      }
    }
    @Module({ protocols: [Strict] })
    class M {}
    const app = await bootstrap(M, opts);
    const peer = await UdpPeer.open();
    try {
      const port = app.address(Strict).port;
      peer.send(JSON.stringify({ v: 1, pad: 'x'.repeat(64) }), port);
      await peer.receive(1);
      peer.send('{not json', port);
      await peer.receive(2);
      peer.send(JSON.stringify({ fail: true }), port);
      await peer.receive(3);
      peer.send(JSON.stringify({ v: 7 }), port);
      const replies = await peer.receive(4);
      expect(replies.map((r) => JSON.parse(r))).toEqual([
        { error: 'TORSION_ERR_FRAME_TOO_LARGE' },
        { error: 'TORSION_ERR_FRAME' },
        { error: 'handler refused' },
        { ok: 7 },
      ]);
      expect(errors[0]).toBeInstanceOf(FrameTooLargeError);
      expect(errors[1]).toBeInstanceOf(FrameError);
    } finally {
      await peer.close();
      await app.close();
    }
  });

  it('lets the protocol inject DatagramSocket and send to any address', async () => {
    @Listen({ port: 0, host: '127.0.0.1', transport: 'udp', codec: datagramUtf8() })
    @Protocol()
    class Fanout {
      constructor(private readonly socket: DatagramSocket) {}
      @OnData() fan(text: string, sender: DatagramAddress): void {
        for (let i = 1; i <= 3; i++) this.socket.send(`${text}#${i}`, sender);
      }
    }
    @Module({ protocols: [Fanout] })
    class M {}
    const app = await bootstrap(M, opts);
    const peer = await UdpPeer.open();
    try {
      peer.send('x', app.address(Fanout).port);
      expect((await peer.receive(3)).sort()).toEqual(['x#1', 'x#2', 'x#3']);
    } finally {
      await peer.close();
      await app.close();
    }
  });

  it('joins a multicast group and receives what is sent to it', async () => {
    const group = '239.7.7.7';
    @Listen({ port: 0, host: group, transport: 'udp', reuseAddr: true, codec: datagramUtf8(), multicast: { group, interface: '127.0.0.1', loopback: true } })
    @Protocol()
    class Member {
      @OnData() heard(text: string): string {
        return `heard ${text}`;
      }
    }
    @Module({ protocols: [Member] })
    class M {}
    const app = await bootstrap(M, opts);
    const peer = await UdpPeer.open();
    try {
      peer.socket.setMulticastInterface('127.0.0.1');
      peer.send('to the group', app.address(Member).port, group);
      expect(await peer.receive(1)).toEqual(['heard to the group']);
    } finally {
      await peer.close();
      await app.close();
    }
  });

  const hasIpv6Loopback = Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address === '::1'));
  (hasIpv6Loopback ? it : it.skip)('listens on udp6 (::1)', async () => {
    @Listen({ port: 0, host: '::1', transport: 'udp', codec: datagramUtf8() })
    @Protocol()
    class Six {
      @OnData() echo(text: string): string {
        return text;
      }
    }
    @Module({ protocols: [Six] })
    class M {}
    const app = await bootstrap(M, opts);
    const peer = await UdpPeer.open('udp6');
    try {
      peer.send('v6', app.address(Six).port, '::1');
      expect(await peer.receive(1)).toEqual(['v6']);
    } finally {
      await peer.close();
      await app.close();
    }
  });

  it('fails bootstrap when given a stream codec instead of a datagram codec', async () => {
    @Listen({ port: 0, host: '127.0.0.1', transport: 'udp', codec: raw() })
    @Protocol()
    class Wrong {
      @OnData() data(): void {}
    }
    @Module({ protocols: [Wrong] })
    class M {}
    const error = (await bootstrap(M, opts).catch((e: unknown) => e)) as BootstrapError;
    expect(error).toBeInstanceOf(BootstrapError);
    expect(error.message).toMatch(/codec must be a datagram codec/);
  });
});
