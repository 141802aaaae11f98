'use strict';
/**
 * The public typings and the API reports (docs/api/*.api.md).
 *
 *   node scripts/api.js            local: write dist/torsion.d.ts, dist/testing.d.ts, update the reports
 *   node scripts/api.js --check    CI: fail when a report differs from what the sources give,
 *                                  then compile docs/api/consumer.ts against the shipped typings
 *   node scripts/api.js --typings  only the shipped typings (npm run build)
 *
 * Steps: tsc emits src's declarations to dist/.api/dts; API Extractor rolls `torsion` up into
 * dist/torsion.d.ts with every `@internal` member trimmed. `torsion/testing` is a second entry
 * point of the same package, so its typings must take torsion's public types from 'torsion'
 * (one declaration of `Application`, `Reactor`...), not a copy: a copy of the declarations has
 * the imports of what torsion exports rewritten to 'torsion', and API Extractor rolls that up
 * into dist/testing.d.ts, checked against the trimmed dist/torsion.d.ts.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');

const root = path.resolve(__dirname, '..');
const apiDir = path.join(root, 'docs/api');
const work = path.join(root, 'dist/.api');
const dts = path.join(work, 'dts');
const testingDts = path.join(work, 'testing-dts');

/**
 * Modules that are internal as a whole: their declarations are `@internal` without saying so
 * one by one (the dispatch core is the lead's to reshape; metadata.ts is the decorators' storage).
 */
const INTERNAL_MODULES = ['dispatch/', 'metadata.d.ts'];

const mode = process.argv.includes('--check') ? 'check' : process.argv.includes('--typings') ? 'typings' : 'local';

function main() {
  fs.rmSync(work, { recursive: true, force: true });
  tsc(path.join(apiDir, 'tsconfig.json'));
  markInternalModules();
  extract('torsion');
  rewriteForTesting();
  extract('testing');
  for (const name of ['torsion', 'testing']) checkExported(name);
  if (mode === 'check') checkConsumer();
}

function tsc(project) {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], { cwd: root, stdio: 'inherit' });
}

function extract(name) {
  const configPath = path.join(apiDir, `api-extractor.${name}.json`);
  const config = ExtractorConfig.loadFile(configPath);
  if (mode === 'typings') config.apiReport.enabled = false;
  const prepared = ExtractorConfig.prepare({ configObject: config, configObjectFullPath: configPath, packageJsonFullPath: path.join(root, 'package.json') });
  fs.mkdirSync(path.join(work, 'reports'), { recursive: true });
  const result = Extractor.invoke(prepared, {
    // The report goes to dist/.api/reports; compareReport() checks it against docs/api.
    localBuild: true,
    showVerboseMessages: false,
    messageCallback: (message) => {
      if (message.messageId.startsWith('console-api-report-')) {
        message.logLevel = 'none';
        message.handled = true;
      }
    },
  });
  if (result.errorCount > 0 || result.warningCount > 0) fail(`API Extractor: ${result.errorCount} error(s), ${result.warningCount} warning(s) for ${name}`);
  if (mode !== 'typings') compareReport(name);
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

/** (module file without extension, exported name) -> the name `torsion` exports it as. */
function publicNames() {
  const names = new Map();
  const visit = (file, seen) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const statement of exportStatements(read(file))) {
      const target = resolveModule(file, statement.from);
      if (statement.star) visit(`${target}.d.ts`, seen);
      else for (const { name, alias } of statement.names) names.set(`${target}#${name}`, alias);
    }
  };
  visit(path.join(testingDts, 'index.d.ts'), new Set());
  return names;
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

function resolveModule(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  return fs.existsSync(`${base}.d.ts`) ? base : path.join(base, 'index');
}

/**
 * Copies the declarations and points every import of something `torsion` exports at 'torsion'.
 * What torsion does not export stays a relative import, so API Extractor reports it if the
 * testing API reaches it (ae-forgotten-export).
 */
function rewriteForTesting() {
  fs.cpSync(dts, testingDts, { recursive: true });
  // 'torsion' resolves to the trimmed rollup through a node_modules folder, as in a user's project,
  // so API Extractor treats it as another package (imports it) rather than rolling it in again.
  const installed = path.join(work, 'node_modules/torsion');
  fs.mkdirSync(installed, { recursive: true });
  fs.copyFileSync(path.join(root, 'dist/torsion.d.ts'), path.join(installed, 'index.d.ts'));
  fs.writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ name: 'torsion', types: 'index.d.ts' }));
  const names = publicNames();
  for (const file of walk(testingDts)) {
    if (file === path.join(testingDts, 'index.d.ts')) continue;
    const text = read(file);
    const next = text.replace(/^(import|export)( type)? \{([^}]*)\} from '(\.[^']*)';$/gm, (whole, kind, typeOnly, list, from) => {
      const target = resolveModule(file, from);
      const kept = [];
      const moved = [];
      for (const spec of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
        const isType = spec.startsWith('type ');
        const [name, local = name] = spec.replace(/^type /, '').split(/\s+as\s+/);
        const exported = names.get(`${target}#${name}`);
        if (exported === undefined) kept.push(spec);
        else moved.push(`${isType ? 'type ' : ''}${exported === local ? local : `${exported} as ${local}`}`);
      }
      if (moved.length === 0) return whole;
      const lines = [`${kind}${typeOnly ?? ''} { ${moved.join(', ')} } from 'torsion';`];
      if (kept.length > 0) lines.push(`${kind}${typeOnly ?? ''} { ${kept.join(', ')} } from '${from}';`);
      return lines.join('\n');
    });
    if (next !== text) fs.writeFileSync(file, next);
  }
}

/**
 * Compiles a small user program against the shipped typings: it uses what users call and
 * expects (`@ts-expect-error`) every internal it names to be absent. Then no internal name may
 * appear in the typings at all.
 */
function checkConsumer() {
  try {
    tsc(path.join(apiDir, 'tsconfig.consumer.json'));
  } catch {
    fail('docs/api/consumer.ts does not compile against the shipped typings (tsc output above)');
  }
  const internal = JSON.parse(read(path.join(apiDir, 'internal-names.json')));
  for (const file of ['torsion.d.ts', 'testing.d.ts']) {
    // Declarations only: a doc comment may say "graceful shutdown", and a private member is an
    // untyped name users cannot reach (`private shutdown;`).
    const text = read(path.join(root, 'dist', file))
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
      .replace(/^\s*private (?:readonly )?\w+;$/gm, '');
    const leaked = internal.names.filter((n) => new RegExp(`\\b${n}\\b`).test(text));
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

function fail(message) {
  console.error(message);
  process.exit(1);
}

main();
