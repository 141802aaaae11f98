import * as net from 'node:net';
import { spawnExample, within } from './test-support/example-process';

/**
 * runExample as a process runs it: a start that fails prints one line and exits non-zero.
 * Regression: main.ts starts with `void runExample(...)`, so a port in use ended in Node's
 * unhandled-rejection stack trace.
 */
describe('examples/run (runExample in an example process)', () => {
  it('a port in use: one stderr line with the BootstrapError message, exit code 1', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const echo = spawnExample('echo', { PORT: String(port), HOST: '127.0.0.1' });
    try {
      const code = await within(echo.exited, 20_000, 'the example to exit');
      expect(code).toBe(1);
      expect(echo.stdout()).toBe('');
      const lines = echo.stderr().split('\n');
      expect(lines).toHaveLength(2); // one line and its newline
      expect(lines[0]).toBe(
        `Echo cannot listen on tcp 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}: another process holds it; choose another port or stop that process (TORSION_ERR_ADDRESS_IN_USE)`,
      );
    } finally {
      await echo.stop();
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
