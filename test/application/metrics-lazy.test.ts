import { Listen, Module, OnData, Protocol, bootstrap, silentLogger } from '../../src';

// An application without `metrics` must not load prom-client at all (it costs startup time and
// memory): here loading it fails, so only a bootstrap that asks for metrics may touch it.
jest.mock('prom-client', () => {
  throw new Error('prom-client was loaded');
});

@Listen({ port: 0, host: '127.0.0.1' })
@Protocol()
class Quiet {
  @OnData() data(): void {}
}

@Module({ protocols: [Quiet] })
class QuietModule {}

describe('prom-client loading', () => {
  it('is skipped without metrics and happens only when they are asked for', async () => {
    const app = await bootstrap(QuietModule, { logger: silentLogger });
    expect(app.metricsRegistry).toBeUndefined();
    await app.close();
    await expect(bootstrap(QuietModule, { logger: silentLogger, metrics: { port: 0 } })).rejects.toThrow('prom-client was loaded');
  });
});
