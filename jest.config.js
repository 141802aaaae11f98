'use strict';
// Tests run from TypeScript sources only (roots), transpiled by ts-jest without type
// checking (isolatedModules); `npm test` type-checks with `tsc --noEmit` first.
const { paths } = require('./tsconfig.json').compilerOptions;

module.exports = {
  roots: ['<rootDir>/test', '<rootDir>/examples'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    // torsion, torsion/testing and the batteries (torsion/irc, ...): tsconfig.json's paths, in one place.
    ...Object.fromEntries(Object.entries(paths).map(([name, [file]]) => [`^${name}$`, `<rootDir>/${file}`])),
  },
  setupFiles: ['reflect-metadata'],
  testEnvironment: 'node',
  // A bound, not a timing assertion: tests that start a process (an example, redis-server,
  // haproxy) wait for it, and on a loaded 2-core machine a start took up to a minute.
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
