'use strict';
// Tests run from TypeScript sources only (roots), transpiled by ts-jest without type
// checking (isolatedModules); `npm test` type-checks with `tsc --noEmit` first.
module.exports = {
  roots: ['<rootDir>/test', '<rootDir>/examples'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^torsion$': '<rootDir>/src/index.ts',
    '^torsion/testing$': '<rootDir>/src/testing/index.ts',
    '^torsion/imap$': '<rootDir>/src/protocols/imap/index.ts',
    '^torsion/maildir$': '<rootDir>/src/protocols/maildir/index.ts',
  },
  setupFiles: ['reflect-metadata'],
  testEnvironment: 'node',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
