'use strict';
// Reference: hand-written node:net byte echo (the limit for torsion's `echo` example).
// Every chunk read is written back as-is, one write per read.
// Usage: PORT=0 node bench/reference/echo.js
const { listen } = require('./listen');

listen((s) => {
  s.setNoDelay(true);
  s.on('data', (chunk) => s.write(chunk));
  s.on('error', () => {});
});
