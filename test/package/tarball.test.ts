import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

/**
 * The package as users get it: `npm pack` (which builds, prepack) yields only the compiled
 * library, its typings, README, LICENSE and CHANGELOG; installed from the tarball into a fresh
 * project, offline, a TypeScript app type-checks against the shipped typings and runs from ESM
 * and from CommonJS, with one copy of torsion's module state between the two.
 *
 * Offline: torsion's runtime dependencies are packed from this repository's node_modules (what
 * `npm ci` installed from package-lock.json) and installed with the tarball, so npm resolves
 * nothing from a registry (`--offline` fails rather than reaching one).
 */

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  exports: Record<string, { types: string; import: string; require: string }>;
  dependencies: Record<string, string>;
};
const specifiers = Object.keys(pkg.exports).map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
// A bound, not a timing assertion: npm pack builds (tsc, API Extractor) on a loaded machine.
const BOUND_MS = 600_000;

/** The environment of the npm and node children: not the npm_* variables of a parent `npm test`. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) || /^npm_config_cache$/i.test(key)) env[key] = value;
  }
  return env;
}

async function sh(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, env: childEnv(), maxBuffer: 64 * 1024 * 1024, timeout: BOUND_MS });
    return stdout;
  } catch (error) {
    const e = error as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** The installed packages torsion needs at run time, resolved as Node would from package-lock.json. */
function runtimeDependencies(): string[] {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
  };
  const found = new Set<string>();
  const visit = (from: string, name: string): void => {
    // Node's lookup: from/node_modules/name, then each parent's node_modules, up to the root.
    let dir = from;
    for (;;) {
      const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (lock.packages[candidate] !== undefined) {
        if (found.has(candidate)) return;
        found.add(candidate);
        const entry = lock.packages[candidate];
        for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(candidate, dep);
        return;
      }
      if (dir === '') throw new Error(`package-lock.json has no ${name} reachable from ${from || 'the root'}`);
      const up = dir.lastIndexOf('/node_modules/');
      dir = up === -1 ? '' : dir.slice(0, up);
    }
  };
  for (const name of Object.keys(pkg.dependencies)) visit('', name);
  return [...found].map((p) => path.join(root, p));
}

/** ESM (the project is "type": "module"): every entry point gives the very objects require gives. */
const esmApp = (entries: string[]): string => `
import { createRequire } from 'node:module';
import { Listen, Module, OnData, Protocol, lines, silentLogger } from 'torsion';
import type * as Torsion from 'torsion';
import { exchange } from './exchange.cjs';

const require = createRequire(import.meta.url);

@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines() })
class Echo {
  @OnData() echo(line: string): string {
    return 'esm:' + line;
  }
}

@Module({ protocols: [Echo] })
class EchoModule {}

// Decorated through import, bootstrapped through require: works only with one copy of the metadata.
const cjs = require('torsion') as typeof Torsion;
const app = await cjs.bootstrap(EchoModule, { logger: silentLogger });
const reply = await exchange(app.address(Echo).port, 'hello');
await app.close();

const differences: string[] = [];
for (const specifier of ${JSON.stringify(entries)}) {
  const esm = (await import(specifier)) as Record<string, unknown>;
  const required = require(specifier) as Record<string, unknown>;
  if (esm.default !== required) differences.push(specifier + ': default is not module.exports');
  const names = Object.keys(required).filter((name) => name !== '__esModule');
  const esmNames = Object.keys(esm).filter((name) => name !== 'default');
  if (names.length === 0 || names.sort().join() !== esmNames.sort().join()) differences.push(specifier + ': names differ');
  for (const name of names) if (esm[name] !== required[name]) differences.push(specifier + ': ' + name + ' is another object');
}
console.log(JSON.stringify({ reply, differences }));
`;

/** CommonJS: the echo over require('torsion'), and the optional ioredis peer named when missing. */
const cjsApp = `
import { ConsoleLogger, Listen, Module, OnData, Protocol, RedisGroupAdapter, lines, silentLogger, bootstrap } from 'torsion';
import { VirtualClock } from 'torsion/testing';
import { exchange } from './exchange.cjs';

@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines() })
class Echo {
  @OnData() echo(line: string): string {
    return 'cjs:' + line;
  }
}

@Module({ protocols: [Echo] })
class EchoModule {}

async function main(): Promise<void> {
  const app = await bootstrap(EchoModule, { logger: silentLogger });
  const reply = await exchange(app.address(Echo).port, 'hello');
  await app.close();
  let ioredisInstalled = true;
  try {
    require.resolve('ioredis');
  } catch {
    ioredisInstalled = false;
  }
  const logged: string[] = [];
  const adapter = new RedisGroupAdapter({ url: 'redis://127.0.0.1:1' });
  adapter.open({ message: () => undefined, ready: () => undefined }, new ConsoleLogger({ level: 'error', write: (line) => logged.push(line) }));
  for (let i = 0; i < 200 && logged.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  await adapter.close();
  console.log(JSON.stringify({ reply, ioredisInstalled, logged, clock: typeof VirtualClock }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** One line to the echo, its reply back, bounded. */
const exchangeModule = `
import * as net from 'node:net';

export function exchange(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no reply within 20 s'));
    }, 20_000);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(line + '\\n'));
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.end();
      resolve(received.slice(0, end).replace(/\\r$/, ''));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
`;

describe('the packed tarball', () => {
  let work: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-package-'));
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
  });

  it(
    'holds only the library, typings and docs, installs offline into a fresh project and runs from ESM and CommonJS against its typings',
    async () => {
      const packs = path.join(work, 'packs');
      fs.mkdirSync(packs);
      // prepack builds a clean dist/ first.
      // (Its stdout holds the build's output too, so the tarball's list is read with tar.)
      await sh('npm', ['pack', '--pack-destination', packs], root);
      const tarball = path.join(packs, `${pkg.name}-${pkg.version}.tgz`);
      const files = (await sh('tar', ['-tzf', tarball], packs))
        .split('\n')
        .filter((line) => line !== '' && !line.endsWith('/'))
        .map((line) => line.replace(/^package\//, ''))
        .sort();

      const typings = Object.values(pkg.exports).map((target) => target.types.slice(2));
      const allowed = (file: string): boolean =>
        ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(file) || typings.includes(file) || /^dist\/src\/.+\.(js|mjs)$/.test(file);
      expect(files.filter((file) => !allowed(file))).toEqual([]);
      expect(files.filter((file) => /(^|\/)(examples|test)\/|\.test\.js$/.test(file))).toEqual([]);
      for (const required of ['README.md', 'LICENSE', 'CHANGELOG.md', ...typings]) expect(files).toContain(required);
      for (const target of Object.values(pkg.exports)) {
        expect(files).toContain(target.import.slice(2));
        expect(files).toContain(target.require.slice(2));
      }

      await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', packs, ...runtimeDependencies()], root);
      const project = path.join(work, 'app');
      fs.mkdirSync(project);
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'torsion-package-test', private: true, type: 'module' }));
      const tarballs = fs.readdirSync(packs).map((file) => path.join(packs, file));
      await sh('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', ...tarballs], project);

      fs.writeFileSync(path.join(project, 'app.ts'), esmApp(specifiers));
      fs.writeFileSync(path.join(project, 'app.cts'), cjsApp);
      fs.writeFileSync(path.join(project, 'exchange.cts'), exchangeModule);
      fs.writeFileSync(
        path.join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'node16',
            moduleResolution: 'node16',
            strict: true,
            // The shipped typings are checked too, not only the app.
            skipLibCheck: false,
            experimentalDecorators: true,
            emitDecoratorMetadata: true,
            // node:* types from this repository's @types/node (the project installs nothing else).
            typeRoots: [path.join(root, 'node_modules/@types')],
            types: ['node'],
            outDir: 'out',
          },
          files: ['app.ts', 'app.cts', 'exchange.cts'],
        }),
      );
      await sh(process.execPath, [tsc, '-p', 'tsconfig.json'], project);

      const esm = JSON.parse(await sh(process.execPath, [path.join(project, 'out/app.js')], project)) as { reply: string; differences: string[] };
      expect(esm).toEqual({ reply: 'esm:hello', differences: [] });

      const cjs = JSON.parse(await sh(process.execPath, [path.join(project, 'out/app.cjs')], project)) as {
        reply: string;
        ioredisInstalled: boolean;
        logged: string[];
        clock: string;
      };
      expect(cjs.reply).toBe('cjs:hello');
      expect(cjs.clock).toBe('function');
      // ioredis is an optional peer: not installed with torsion, and the adapter says what to install.
      expect(cjs.ioredisInstalled).toBe(false);
      expect(cjs.logged.join('\n')).toContain('npm install ioredis');
    },
    BOUND_MS,
  );
});
