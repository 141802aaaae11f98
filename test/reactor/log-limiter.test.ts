import { Listen, Module, OnData, Protocol, datagramJson, lines } from '../../src';
import { createTestingApp } from '../../src/testing';

@Listen({ port: 9200, transport: 'udp' })
@Protocol({ codec: datagramJson() })
class JsonDatagrams {
  @OnData() got(): void {}
}

@Protocol({ codec: lines({ maxLength: 8 }) })
class ShortLines {
  @OnData() got(): void {}
}

@Module({ protocols: [JsonDatagrams, ShortLines] })
class NoisyModule {}

describe('log records peers can cause are rate-limited per kind', () => {
  it('writes 20 per window for bad datagrams, then one "suppressed N" line when the next window begins', async () => {
    const t = createTestingApp(NoisyModule);
    const udp = t.bindDatagram(JsonDatagrams);
    for (let i = 0; i < 500; i++) udp.wire.inject('not json', { address: '198.51.100.7', port: 4000 + i });
    expect(t.logs.records.filter((r) => r.msg === 'undecodable frame skipped')).toHaveLength(20);
    await t.advance(10_000);
    udp.wire.inject('still not json', { address: '198.51.100.7', port: 5000 });
    const summary = t.logs.records.filter((r) => r.msg.startsWith('suppressed'));
    expect(summary).toEqual([expect.objectContaining({ level: 'warn', msg: "suppressed 480 more 'undecodable frame skipped' messages in the last 10 s" })]);
    expect(t.logs.records.filter((r) => r.msg === 'undecodable frame skipped')).toHaveLength(21);
    await t.close();
  });

  it('counts codec errors across connections and reports what is left when the application closes', async () => {
    const t = createTestingApp(NoisyModule, { logRateLimit: { perWindow: 3, windowMs: 1000 } });
    for (let i = 0; i < 10; i++) t.connect(ShortLines).send('far too long a line\n');
    expect(t.logs.records.filter((r) => r.msg === 'codec error, closing')).toHaveLength(3);
    await t.close();
    expect(t.logs.records.filter((r) => r.msg.startsWith('suppressed'))).toEqual([expect.objectContaining({ fields: expect.objectContaining({ kind: 'codec error', suppressed: 7 }) })]);
  });

  it('logs every record with logRateLimit: false', async () => {
    const t = createTestingApp(NoisyModule, { logRateLimit: false });
    const udp = t.bindDatagram(JsonDatagrams);
    for (let i = 0; i < 50; i++) udp.wire.inject('x', { address: '198.51.100.7', port: 4000 });
    expect(t.logs.records.filter((r) => r.msg === 'undecodable frame skipped')).toHaveLength(50);
    await t.close();
  });
});
