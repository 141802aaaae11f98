import { Module } from 'torsion';
import { createTestingApp, type TestingApp, type TestingAppOptions } from 'torsion/testing';

/**
 * For a test file whose tests each serve one protocol: returns `app(protocol, options?,
 * providers?)`, a testing app whose module lists that protocol (and providers) alone, and closes
 * the last one built after each test. Call it once, at the top of the file.
 */
export function protocolApps(): (protocol: Function, options?: TestingAppOptions, providers?: Function[]) => TestingApp {
  let t: TestingApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  return (protocol, options = {}, providers = []) => {
    @Module({ protocols: [protocol as never], providers: providers as never[] })
    class M {}
    t = createTestingApp(M, options);
    return t;
  };
}
