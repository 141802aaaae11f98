'use strict';
// `npm run example -- <name>` runs examples/<name>/main.ts from the build (npm run build first,
// which the npm script does). PORT overrides the example's port; every listener prints one
// line `listening <transport> <host>:<port>` once bound.
const fs = require('node:fs');
const path = require('node:path');

const name = process.argv[2];
const dir = path.join(__dirname, '..', 'dist', 'examples');
const available = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'main.js'))) : [];
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run example -- <name>\navailable: ${available.join(', ') || '(none built: run npm run build)'}\n`);
  process.exit(2);
}
require(path.join(dir, name, 'main.js'));
