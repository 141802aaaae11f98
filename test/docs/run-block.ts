import * as ts from 'typescript';
import * as torsion from '../../src/index';
import * as testing from '../../src/testing/index';
import * as irc from '../../src/protocols/irc/index';
import * as smtp from '../../src/protocols/smtp/index';
import * as imap from '../../src/protocols/imap/index';
import * as maildir from '../../src/protocols/maildir/index';
import type { CodeBlock } from './markdown-blocks';
import { snippetCompilerOptions } from './type-check-blocks';

/** How long one snippet may run before it counts as hung (a bound, not a timing assertion). */
const RUN_BOUND_MS = 10_000;

/** What a snippet may use besides its imports: jest's `expect`, as in a test file. */
export interface SnippetGlobals {
  readonly expect: unknown;
}

/**
 * Runs a block in this process, after transpiling it to CommonJS inside an async function (so
 * top-level `await` works). 'torsion' and 'torsion/testing' are the real sources, except that
 * every application the snippet starts is made safe for a test run and closed at the end:
 * `bootstrap` listens on 127.0.0.1 port 0 (whatever the snippet declares; Unix sockets keep
 * their path) and logs to memory, and `createTestingApp` apps are closed too; the protocol
 * modules ('torsion/irc', '/smtp', '/imap', '/maildir') are the real sources. Any other import
 * is Node's own `require`. Resolves to what the block put in `module.exports` (for the checker's
 * own tests); rejects with the README line of the block on failure.
 */
export async function runBlock(block: CodeBlock, file: string, globals: SnippetGlobals): Promise<unknown> {
  const { outputText } = ts.transpileModule(block.code, {
    compilerOptions: { ...snippetCompilerOptions(), module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, noEmit: false },
    reportDiagnostics: false,
  });
  const closers: (() => Promise<void>)[] = [];
  const modules: Record<string, unknown> = {
    torsion: { ...torsion, bootstrap: safeBootstrap(closers) },
    'torsion/testing': { ...testing, createTestingApp: trackedTestingApp(closers) },
    'torsion/irc': irc,
    'torsion/smtp': smtp,
    'torsion/imap': imap,
    'torsion/maildir': maildir,
  };
  // jest's own require, so 'reflect-metadata' and node: modules are the instances the test uses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const snippetRequire = (name: string): unknown => (name in modules ? modules[name] : require(name));
  const module: { exports: unknown } = { exports: {} };
  // Running the documented snippet is the point of this file.
  const body = new Function('require', 'module', 'exports', 'expect', `return (async () => {\n${outputText}\n})();`);
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${RUN_BOUND_MS} ms`)), RUN_BOUND_MS);
  });
  try {
    await Promise.race([body(snippetRequire, module, module.exports, globals.expect) as Promise<void>, bound]);
    return module.exports;
  } catch (error) {
    throw new Error(`${file}:${block.line}: the block starting here failed when run: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
    // Closed in reverse order of creation; an app the snippet already closed closes again at no cost.
    for (const close of closers.reverse()) await close();
  }
}

function safeBootstrap(closers: (() => Promise<void>)[]): typeof torsion.bootstrap {
  return async (rootModule, options = {}) => {
    const declared = options.listen;
    const app = await torsion.bootstrap(rootModule, {
      logger: new testing.MemoryLogger(),
      ...options,
      listen: (protocol, listen, index) => {
        const chosen = applyOverride(declared, protocol, listen, index);
        return chosen.transport === 'unix' ? chosen : { ...chosen, host: '127.0.0.1', port: 0 };
      },
    });
    closers.push(async () => void (await app.close()));
    return app;
  };
}

function applyOverride(declared: torsion.ListenOverrides | undefined, protocol: Parameters<Extract<torsion.ListenOverrides, Function>>[0], listen: Parameters<Extract<torsion.ListenOverrides, Function>>[1], index: number): Parameters<Extract<torsion.ListenOverrides, Function>>[1] {
  if (declared === undefined) return listen;
  if (typeof declared === 'function') return declared(protocol, listen, index);
  const override = new Map(declared).get(protocol);
  return override === undefined ? listen : { ...listen, ...override };
}

function trackedTestingApp(closers: (() => Promise<void>)[]): typeof testing.createTestingApp {
  return (rootModule, options) => {
    const t = testing.createTestingApp(rootModule, options);
    closers.push(async () => void (await t.close()));
    return t;
  };
}
