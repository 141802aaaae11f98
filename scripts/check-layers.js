'use strict';
// `npm run lint` runs this after `madge --circular`: it checks the DIRECTION of every import in
// src/ (type imports included) against the layer rule in DESIGN.md, which a cycle check alone
// cannot see (an upward import is wrong long before it closes a cycle). Exits 1 on a violation.
const fs = require('node:fs');
const path = require('node:path');
const madge = require('madge');

const root = path.join(__dirname, '..');

// Lowest first; a file may import its own layer or any layer below it. Layers sharing a rank are
// peers and may not import each other. Keys are a folder of src/ ('x/') or a top-level file.
const LAYERS = [
  { rank: 0, name: 'base', members: ['errors.ts', 'logger.ts', 'types.ts', 'thenable.ts'] },
  { rank: 1, name: 'reactor', members: ['reactor/'] },
  { rank: 2, name: 'codec', members: ['codec/'] },
  { rank: 3, name: 'dispatch', members: ['dispatch/'] },
  { rank: 4, name: 'transport', members: ['transport/'] },
  { rank: 5, name: 'decorators', members: ['decorators/', 'metadata.ts'] },
  { rank: 6, name: 'client', members: ['client/'] },
  // Broadcast groups: a service over connections and codecs; nothing below needs it.
  { rank: 6, name: 'groups', members: ['groups/'] },
  { rank: 7, name: 'application', members: ['application/'] },
  { rank: 8, name: 'protocols', members: ['protocols/'] },
  { rank: 8, name: 'testing', members: ['testing/'] },
  // The public entry point re-exports every layer.
  { rank: 9, name: 'index', members: ['index.ts'] },
];

// Upward imports that predate this check, each with the reason it is still here. The list may
// only shrink: an entry that no longer matches an import fails the check, so fixing one forces
// deleting it here.
const KNOWN = new Map([]);

function layerOf(file) {
  for (const layer of LAYERS) {
    if (layer.members.some((m) => (m.endsWith('/') ? file.startsWith(m) : file === m))) return layer;
  }
  return undefined;
}

async function main() {
  const config = JSON.parse(fs.readFileSync(path.join(root, '.madgerc'), 'utf8'));
  const result = await madge(path.join(root, 'src'), { ...config, baseDir: path.join(root, 'src'), tsConfig: path.join(root, config.tsConfig) });
  const problems = [];
  const skipped = result.warnings().skipped;
  // A file madge could not parse has no edges: the check would pass for the wrong reason.
  for (const file of skipped) problems.push(`could not read the imports of ${file}`);
  const seenKnown = new Set();
  const graph = result.obj();
  for (const [from, imports] of Object.entries(graph)) {
    const source = layerOf(from);
    if (source === undefined) {
      problems.push(`${from} is in no layer: add its folder to LAYERS in scripts/check-layers.js (see the layer rule in DESIGN.md)`);
      continue;
    }
    for (const to of imports) {
      const target = layerOf(to);
      if (target === undefined) continue; // reported as a source file of its own
      const allowed = target === source || target.rank < source.rank;
      if (allowed) continue;
      const edge = `${from} -> ${to}`;
      if (KNOWN.has(edge)) {
        seenKnown.add(edge);
        continue;
      }
      const why = target.rank === source.rank ? `${source.name}/ and ${target.name}/ are peers` : `${target.name} is above ${source.name}`;
      problems.push(`${edge}: imports point down only, and ${why}; move the contract down to the layer that provides it`);
    }
  }
  for (const edge of KNOWN.keys()) {
    if (!seenKnown.has(edge)) problems.push(`known exception '${edge}' no longer occurs: delete it from KNOWN in scripts/check-layers.js`);
  }
  if (problems.length > 0) {
    process.stderr.write(`layer check failed (${problems.length}):\n${problems.map((p) => `  ${p}\n`).join('')}`);
    process.exit(1);
  }
  process.stdout.write(`layer check: ${Object.keys(graph).length} files, imports point down (${KNOWN.size} known exceptions)\n`);
}

main().catch((error) => {
  process.stderr.write(`layer check could not run: ${error.stack ?? error}\n`);
  process.exit(1);
});
