'use strict';
// Lets a plain `node -r ./examples/test-support/register-ts.js examples/<name>/main.ts` run an
// example from its TypeScript sources, as the tests that spawn an example process need (the
// build is not a test prerequisite). Each .ts file is transpiled on require with the repo's
// compiler options (no type check, like ts-jest's isolatedModules), and `torsion` /
// `torsion/testing` resolve to src/ as in jest.config.js. For tests only.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const ts = require('typescript');

const root = path.join(__dirname, '..', '..');
// Every subpath export, as tsconfig.json's paths name it (jest.config.js reads the same list).
const aliases = Object.fromEntries(Object.entries(require('../../tsconfig.json').compilerOptions.paths).map(([name, [file]]) => [name, path.join(root, file)]));
const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  useDefineForClassFields: false,
  esModuleInterop: true,
  isolatedModules: true,
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (Object.prototype.hasOwnProperty.call(aliases, request)) return aliases[request];
  return resolve.call(this, request, parent, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
