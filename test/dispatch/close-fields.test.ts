import * as path from 'node:path';
import { spawnScript, within } from '../../examples/test-support/example-process';

/**
 * The fields the per-read path reads but only a close changes are variables to V8 from the first
 * connection on. V8 takes a field that no object of its class has reassigned for a constant,
 * and optimized code that read it is thrown away when one does: before StreamConnection and
 * Dispatcher reassigned `state`, `flags`, `pausedBy` and `phase` at construction, a server's
 * first close deoptimized its whole read path (received, decodeRun, frame, emit, reply,
 * endBatch), recompiled under load. The fixture runs in its own `node --allow-natives-syntax`
 * and prints V8's description of a connection that has served but never closed.
 */

const FIXTURE = path.join(__dirname, 'fixtures', 'connection-fields.ts');

/** The fixture's stdout once it has exited cleanly (bounded). */
async function runFixture(): Promise<string> {
  const fixture = spawnScript(FIXTURE, {}, undefined, ['--allow-natives-syntax']);
  try {
    const code = await within(fixture.exited, 60_000, 'the fixture');
    if (code !== 0) throw new Error(`the fixture exited with ${code}: ${fixture.stderr().slice(-2000)}`);
    return fixture.stdout();
  } finally {
    await fixture.stop();
  }
}

/**
 * How V8 lists field `name` in the fixture's output: 'const data field' or 'data field'. The
 * connection's and the dispatcher's field names differ, so the two listings need not be told
 * apart (V8 prints through its own buffer: their order against the fixture's lines is not fixed).
 */
function fieldKind(stdout: string, name: string): string | undefined {
  return new RegExp(`#${name}: .*\\((const data field|data field) \\d+\\)`).exec(stdout)?.[1];
}

test('a connection that has never closed already has its close-changed fields as variables', async () => {
  const stdout = await runFixture();
  expect(stdout).toContain('--- echoed "hello\\n"');
  // Control: a field nothing reassigns is listed as a constant, so the listing is read right.
  expect(fieldKind(stdout, 'id')).toBe('const data field');
  for (const name of ['state', 'flags', 'pausedBy', 'phase']) expect([name, fieldKind(stdout, name)]).toEqual([name, 'data field']);
});
