'use strict';
/**
 * The public typings and the API reports (docs/api/*.api.md), for `torsion` and every subpath
 * export of package.json (torsion/testing, torsion/irc, ...).
 *
 *   node scripts/api.js            local: write dist/torsion.d.ts, dist/<subpath>.d.ts, update the reports
 *   node scripts/api.js --check    CI: fail when a report differs from what the sources give,
 *                                  then compile docs/api/consumer*.ts against the shipped package
 *   node scripts/api.js --typings  only the shipped typings (npm run build)
 *
 * package.json "exports" is the one list of entry points: "." is `torsion`, every other key
 * `./<name>` is a subpath whose typings are dist/<name>.d.ts. tsconfig.json paths, typesVersions
 * and "files" must agree with it (checkManifest says what to fix).
 *
 * Steps: tsc emits src's declarations to dist/.api/dts; API Extractor rolls `torsion` up into
 * dist/torsion.d.ts with every `@internal` member trimmed. A subpath is another entry point of
 * the same package, so its typings must take torsion's public types from 'torsion' (one
 * declaration of `Application`, `Reactor`...), and another subpath's from 'torsion/<that>'
 * (torsion/imap re-exports torsion/maildir), not a copy: a copy of the declarations per subpath
 * has those imports rewritten, and API Extractor rolls it up into dist/<name>.d.ts, checked
 * against the trimmed rollups it imports.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');

const root = path.resolve(__dirname, '..');
const apiDir = path.join(root, 'docs/api');
const work = path.join(root, 'dist/.api');
const dts = path.join(work, 'dts');
// The subpaths' copies of the declarations, and where 'torsion' and 'torsion/<name>' resolve from
// them for API Extractor: the trimmed rollups, as a package in a node_modules folder, so it imports
// them rather than rolling them in again. Not above dist/.api/consumer, which must find only the
// package as users install it.
const analysis = path.join(work, 'analysis');
const installed = path.join(analysis, 'node_modules/torsion');

/**
 * Modules that are internal as a whole: their declarations are `@internal` without saying so
 * one by one (the dispatch core is the lead's to reshape; metadata.ts is the decorators' storage).
 */
const INTERNAL_MODULES = ['dispatch/', 'metadata.d.ts'];

/** The names `torsion` exports (inheritsFromTorsion), once its declarations are read. */
let torsionExports = new Set();

const mode = process.argv.includes('--check') ? 'check' : process.argv.includes('--typings') ? 'typings' : 'local';

function main() {
  const entries = entryPoints();
  checkManifest(entries);
  fs.rmSync(work, { recursive: true, force: true });
  tsc(path.join(apiDir, 'tsconfig.json'));
  markInternalModules();
  const [core, ...subpaths] = entries;
  extract(core, path.join(apiDir, 'api-extractor.torsion.json'));
  install(core);
  const names = exportedNames(entries);
  torsionExports = new Set(names.get('torsion').values());
  const deps = new Map(subpaths.map((entry) => [entry.name, copyForSubpath(entry, entries, names)]));
  for (const entry of dependencyOrder(subpaths, deps)) {
    extract(entry, path.join(apiDir, 'api-extractor.subpath.json'));
    install(entry);
  }
  for (const entry of entries) checkExported(entry.name);
  if (mode === 'check') checkConsumer(entries);
}

/**
 * package.json "exports" as entry points: name (the rollup's and report's name), specifier,
 * module (the declaration file under src, without extension) and dir (what the entry owns).
 */
function entryPoints() {
  const pkg = readJson(path.join(root, 'package.json'));
  const entries = [];
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    // "require" is the CommonJS build; "import" its ESM wrapper (scripts/esm.js checks and writes it).
    const js = typeof target === 'object' && target !== null ? target.require : undefined;
    const match = typeof js === 'string' ? /^\.\/dist\/src\/(.+)\.js$/.exec(js) : null;
    if (match === null) fail(`package.json exports["${key}"].require must be ./dist/src/<dir>/index.js (got ${JSON.stringify(js)})`);
    if (key === '.') entries.unshift({ name: 'torsion', key, specifier: 'torsion', module: match[1], dir: null, target });
    else if (/^\.\/[a-z][a-z0-9-]*$/.test(key)) {
      const name = key.slice(2);
      entries.push({ name, key, specifier: `torsion/${name}`, module: match[1], dir: `${path.posix.dirname(match[1])}/`, target });
    } else fail(`package.json exports key "${key}": use "." or "./<name>" (lowercase, one segment)`);
  }
  if (entries[0]?.name !== 'torsion') fail('package.json exports must have "." (torsion)');
  return entries;
}

/**
 * package.json exports, its typesVersions and "files", and tsconfig.json paths (which jest's
 * moduleNameMapper is built from) must name the same entry points with the same files.
 */
function checkManifest(entries) {
  const pkg = readJson(path.join(root, 'package.json'));
  const { paths = {} } = readJson(path.join(root, 'tsconfig.json')).compilerOptions;
  const versions = pkg.typesVersions?.['*'] ?? {};
  const files = pkg.files ?? [];
  const problems = [];
  const expectedPaths = new Map(entries.map((e) => [e.specifier, `src/${e.module}.ts`]));
  for (const entry of entries) {
    const types = `dist/${entry.name}.d.ts`;
    if (entry.target.types !== `./${types}`) problems.push(`package.json exports["${entry.key}"].types: set it to "./${types}"`);
    const esm = `./dist/src/${entry.module}.mjs`;
    if (entry.target.import !== esm) problems.push(`package.json exports["${entry.key}"].import: set it to "${esm}" (the ESM wrapper scripts/esm.js writes)`);
    if (Object.keys(entry.target)[0] !== 'types') problems.push(`package.json exports["${entry.key}"]: put "types" first (conditions match in order)`);
    const mapped = paths[entry.specifier];
    if (mapped === undefined || mapped.length !== 1 || mapped[0] !== expectedPaths.get(entry.specifier)) {
      problems.push(`tsconfig.json paths["${entry.specifier}"]: set it to ["${expectedPaths.get(entry.specifier)}"] (package.json exports["${entry.key}"].require is ./dist/src/${entry.module}.js)`);
    }
    if (!files.includes(types)) problems.push(`package.json files: add "${types}"`);
    if (entry.name === 'torsion') {
      if (pkg.types !== types) problems.push(`package.json types: set it to "${types}"`);
      if (pkg.main !== `dist/src/${entry.module}.js`) problems.push(`package.json main: set it to "dist/src/${entry.module}.js"`);
    } else {
      const listed = versions[entry.name];
      if (listed === undefined || listed.length !== 1 || listed[0] !== types) problems.push(`package.json typesVersions["*"]["${entry.name}"]: set it to ["${types}"] (TypeScript with moduleResolution node10 reads it, not exports)`);
    }
  }
  for (const key of Object.keys(paths)) {
    if (!expectedPaths.has(key)) problems.push(`tsconfig.json paths["${key}"] has no package.json exports entry: add "./${key.replace(/^torsion\/?/, '') || '.'}" to exports, or remove the path`);
  }
  for (const key of Object.keys(versions)) {
    if (!entries.some((e) => e.name === key && e.name !== 'torsion')) problems.push(`package.json typesVersions["*"]["${key}"] has no exports entry "./${key}": add it, or remove this`);
  }
  if (problems.length > 0) fail(`package.json exports, typesVersions, files and tsconfig.json paths disagree:\n  ${problems.join('\n  ')}`);
}

function tsc(project) {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], { cwd: root, stdio: 'inherit' });
}

function extract(entry, configPath) {
  let config = ExtractorConfig.loadFile(configPath);
  if (entry.name !== 'torsion') {
    config = JSON.parse(JSON.stringify(config).replaceAll('SUBPATH/ENTRY', `${entry.name}/${entry.module}`).replaceAll('SUBPATH', entry.name));
    const tsconfig = path.join(work, `tsconfig.${entry.name}.json`);
    fs.writeFileSync(tsconfig, JSON.stringify({ extends: path.join(apiDir, 'tsconfig.analysis.json'), files: [path.join(analysis, entry.name, `${entry.module}.d.ts`)] }));
  }
  if (mode === 'typings') config.apiReport.enabled = false;
  const prepared = ExtractorConfig.prepare({ configObject: config, configObjectFullPath: configPath, packageJsonFullPath: path.join(root, 'package.json') });
  fs.mkdirSync(path.join(work, 'reports'), { recursive: true });
  const result = Extractor.invoke(prepared, {
    // The report goes to dist/.api/reports; compareReport() checks it against docs/api.
    localBuild: true,
    showVerboseMessages: false,
    messageCallback: (message) => {
      if (message.messageId.startsWith('console-api-report-') || inheritsFromTorsion(entry, message)) {
        message.logLevel = 'none';
        message.handled = true;
      }
    },
  });
  if (result.errorCount > 0 || result.warningCount > 0) fail(`API Extractor: ${result.errorCount} error(s), ${result.warningCount} warning(s) for ${entry.specifier}`);
  if (mode !== 'typings') compareReport(entry.name);
}

/**
 * A subpath's `{@inheritDoc Codec.name}` names torsion's export, but the subpath has the same
 * package name, so API Extractor looks for `Codec` in the subpath's own exports (and not in every
 * mode). The rollup keeps the tag as written; a name torsion does not export still warns.
 */
function inheritsFromTorsion(entry, message) {
  if (entry.name === 'torsion' || message.messageId !== 'ae-unresolved-inheritdoc-reference') return false;
  const match = /does not have an export "(\w+)"/.exec(message.text);
  return match !== null && torsionExports.has(match[1]);
}

/** Puts a rollup where 'torsion' / 'torsion/<name>' resolve for the next extractions (node10). */
function install(entry) {
  fs.mkdirSync(installed, { recursive: true });
  const file = entry.name === 'torsion' ? 'index.d.ts' : `${entry.name}.d.ts`;
  fs.copyFileSync(path.join(root, 'dist', `${entry.name}.d.ts`), path.join(installed, file));
  if (entry.name === 'torsion') fs.writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ name: 'torsion', types: 'index.d.ts' }));
}

/**
 * docs/api/<name>.api.md is API Extractor's report without its "(undocumented)" notes: TSDoc
 * coverage is not the surface, and documenting a member should not read as an API change.
 */
function compareReport(name) {
  const generated = read(path.join(work, 'reports', `${name}.public.api.md`))
    .replace(/^\s*\/\/ \(undocumented\)\n/gm, '')
    .replace(/ \(undocumented\)$/gm, '');
  const checkedIn = path.join(apiDir, `${name}.api.md`);
  const current = fs.existsSync(checkedIn) ? read(checkedIn) : '';
  if (generated === current) return;
  if (mode === 'local') {
    fs.writeFileSync(checkedIn, generated);
    console.log(`updated docs/api/${name}.api.md`);
    return;
  }
  const temp = path.join(work, `${name}.api.md`);
  fs.writeFileSync(temp, generated);
  try {
    execFileSync('diff', ['-u', checkedIn, temp], { stdio: 'inherit' });
  } catch {
    // diff exits 1 when the files differ; its output is the point.
  }
  fail(`the public API of ${name} differs from docs/api/${name}.api.md: run \`npm run api\`, review the diff and commit it`);
}

function markInternalModules() {
  for (const file of walk(dts)) {
    const relative = path.relative(dts, file).split(path.sep).join('/');
    if (!INTERNAL_MODULES.some((m) => relative.startsWith(m))) continue;
    const declaration = /^(?=(?:export )?(?:declare )?(?:abstract )?(?:class|interface|type|function|const|let|enum|namespace) )/gm;
    const text = read(file).replace(declaration, '/** @internal */\n');
    fs.writeFileSync(file, text);
  }
}

/**
 * Every declaration left in a shipped typings file must be exported: a non-exported one is a type
 * the public API reaches but users cannot name (export it, or mark what reaches it `@internal`).
 * API Extractor's own check (ae-forgotten-export) is off because it also counts references from
 * `@internal` members, which the trimmed typings drop.
 */
function checkExported(name) {
  const text = read(path.join(root, 'dist', `${name}.d.ts`));
  const hidden = [...text.matchAll(/^declare (?:abstract )?(?:class|interface|type|function|const|enum|namespace) (\w+)/gm)].map((m) => m[1]);
  if (hidden.length > 0) fail(`dist/${name}.d.ts: reachable from the public API but not exported: ${[...new Set(hidden)].join(', ')} (export it, or mark what uses it @internal)`);
}

/**
 * For each entry point, what it exports: (module under dist/.api/dts without extension, name
 * declared there) -> the name the entry point exports it as.
 */
function exportedNames(entries) {
  const all = new Map();
  for (const entry of entries) {
    const names = new Map();
    const visit = (module, seen) => {
      if (seen.has(module)) return;
      seen.add(module);
      const text = read(path.join(dts, `${module}.d.ts`));
      for (const statement of exportStatements(text)) {
        const target = resolveModule(module, statement.from);
        if (statement.star) visit(target, seen);
        else for (const { name, alias } of statement.names) names.set(`${target}#${name}`, alias);
      }
      // What a star-exported module declares itself (the entry's own index declares nothing).
      for (const m of text.matchAll(/^export (?:declare )?(?:abstract )?(?:class|interface|type|function|const|let|enum|namespace) (\w+)/gm)) names.set(`${module}#${m[1]}`, m[1]);
    };
    visit(entry.module, new Set());
    all.set(entry.name, names);
  }
  return all;
}

/** `export { a, b as c, type d } from './x'` and `export * from './x'` of a declaration file. */
function exportStatements(text) {
  const out = [];
  for (const m of text.matchAll(/^export (?:type )?(\*|\{([^}]*)\}) from '(\.[^']*)';$/gm)) {
    out.push({ star: m[1] === '*', names: m[2] === undefined ? [] : specifiers(m[2]), from: m[3] });
  }
  return out;
}

function specifiers(list) {
  return list
    .split(',')
    .map((s) => s.trim().replace(/^type /, ''))
    .filter((s) => s !== '')
    .map((s) => {
      const [name, alias = name] = s.split(/\s+as\s+/);
      return { name, alias };
    });
}

/** The module (path under dts, '/'-separated, no extension) a relative specifier names. */
function resolveModule(fromModule, specifier) {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromModule), specifier));
  return fs.existsSync(path.join(dts, `${base}.d.ts`)) ? base : `${base}/index`;
}

/**
 * The package specifier a subpath's declarations take `module#name` from: the subpath that owns
 * the module (its folder) if that is another one and exports it, else 'torsion' if torsion
 * exports it; undefined keeps the relative import (API Extractor rolls it in, and checkExported
 * reports it if the subpath does not export it).
 */
function sourceOf(entry, key, entries, names) {
  const module = key.slice(0, key.indexOf('#'));
  for (const other of entries) {
    if (other.dir === null || other === entry || !module.startsWith(other.dir)) continue;
    const alias = names.get(other.name).get(key);
    if (alias !== undefined) return { specifier: other.specifier, alias, owner: other.name };
  }
  const alias = names.get('torsion').get(key);
  return alias === undefined ? undefined : { specifier: 'torsion', alias, owner: 'torsion' };
}

/**
 * Copies the declarations to dist/.api/analysis/<name> and points every import of something
 * torsion or another subpath exports at that package. Returns the subpaths it then imports.
 */
function copyForSubpath(entry, entries, names) {
  const copy = path.join(analysis, entry.name);
  fs.cpSync(dts, copy, { recursive: true });
  const deps = new Set();
  // Only the modules the entry still reaches: another subpath's files in the copy are not rolled in.
  const queue = [entry.module];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const module = queue.shift();
    const file = path.join(copy, `${module}.d.ts`);
    const text = read(file);
    const next = text
      .replace(/^(import|export)( type)? \{([^}]*)\} from '(\.[^']*)';$/gm, (whole, kind, typeOnly, list, from) => {
        const target = resolveModule(module, from);
        const kept = [];
        const moved = new Map();
        for (const spec of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
          const isType = spec.startsWith('type ');
          const [name, local = name] = spec.replace(/^type /, '').split(/\s+as\s+/);
          const source = sourceOf(entry, `${target}#${name}`, entries, names);
          if (source === undefined) {
            kept.push(spec);
            continue;
          }
          deps.add(source.owner);
          const list = moved.get(source.specifier) ?? [];
          list.push(`${isType ? 'type ' : ''}${source.alias === local ? local : `${source.alias} as ${local}`}`);
          moved.set(source.specifier, list);
        }
        if (moved.size === 0) return whole;
        const lines = [...moved].map(([specifier, specs]) => `${kind}${typeOnly ?? ''} { ${specs.join(', ')} } from '${specifier}';`);
        if (kept.length > 0) lines.push(`${kind}${typeOnly ?? ''} { ${kept.join(', ')} } from '${from}';`);
        return lines.join('\n');
      })
      .replace(/^export \* from '(\.[^']*)';$/gm, (whole, from) => {
        // A re-export of another entry point as a whole (torsion/imap re-exports torsion/maildir).
        const other = entries.find((e) => e !== entry && e.module === resolveModule(module, from));
        if (other === undefined) return whole;
        deps.add(other.name);
        return `export * from '${other.specifier}';`;
      });
    if (next !== text) fs.writeFileSync(file, next);
    for (const m of next.matchAll(/(?:from |import\()['"](\.[^'"]*)['"]/g)) {
      const target = resolveModule(module, m[1]);
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return deps;
}

/** Subpaths in an order where each comes after the subpaths it imports from. */
function dependencyOrder(subpaths, deps) {
  const done = new Set(['torsion']);
  const order = [];
  while (order.length < subpaths.length) {
    const ready = subpaths.filter((e) => !done.has(e.name) && [...deps.get(e.name)].every((d) => done.has(d)));
    if (ready.length === 0) {
      const left = subpaths.filter((e) => !done.has(e.name)).map((e) => `${e.specifier} -> ${[...deps.get(e.name)].filter((d) => !done.has(d)).join(', ')}`);
      fail(`subpath typings import each other in a cycle: ${left.join('; ')}`);
    }
    for (const e of ready) {
      done.add(e.name);
      order.push(e);
    }
  }
  return order;
}

/**
 * Compiles small user programs (docs/api/consumer*.ts) against the package as users install it
 * (package.json and the shipped typings in a node_modules folder), under moduleResolution node16
 * (exports) and node10 (typesVersions): they use what users call and expect (`@ts-expect-error`)
 * every internal they name to be absent. Then no internal name may appear in the typings at all.
 */
function checkConsumer(entries) {
  const project = path.join(work, 'consumer');
  const pkgDir = path.join(project, 'node_modules/torsion');
  fs.mkdirSync(path.join(pkgDir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkgDir, 'package.json'));
  for (const entry of entries) fs.copyFileSync(path.join(root, 'dist', `${entry.name}.d.ts`), path.join(pkgDir, 'dist', `${entry.name}.d.ts`));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'torsion-consumer', private: true }));
  const sources = fs.readdirSync(apiDir).filter((f) => /^consumer.*\.ts$/.test(f));
  for (const file of sources) fs.copyFileSync(path.join(apiDir, file), path.join(project, file));
  for (const resolution of ['node16', 'node10']) {
    const tsconfig = path.join(project, `tsconfig.${resolution}.json`);
    const module = resolution === 'node16' ? 'node16' : 'commonjs';
    fs.writeFileSync(tsconfig, JSON.stringify({ extends: path.join(apiDir, 'tsconfig.consumer.json'), compilerOptions: { module, moduleResolution: resolution }, files: sources }));
    try {
      tsc(tsconfig);
    } catch {
      fail(`docs/api/consumer*.ts do not compile against the shipped package with moduleResolution ${resolution} (tsc output above)`);
    }
  }
  const internal = readJson(path.join(apiDir, 'internal-names.json'));
  for (const entry of entries) {
    const file = `${entry.name}.d.ts`;
    // Declarations only: a doc comment may say "graceful shutdown", and a private member is an
    // untyped name users cannot reach (`private shutdown;`).
    const text = read(path.join(root, 'dist', file))
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
      .replace(/^\s*private (?:readonly )?\w+;$/gm, '');
    const allowed = internal.allowed?.[entry.name] ?? {};
    const leaked = internal.names.filter((n) => !(n in allowed) && new RegExp(`\\b${n}\\b`).test(text));
    if (leaked.length > 0) fail(`dist/${file} shows internal names: ${leaked.join(', ')} (mark them /** @internal */)`);
  }
}

function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.name.endsWith('.d.ts')) yield full;
  }
}

function read(file) {
  return fs.readFileSync(file, 'utf8');
}

function readJson(file) {
  return JSON.parse(read(file));
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

main();
