import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractTsBlocks } from './markdown-blocks';
import { runBlock } from './run-block';
import { typeCheckBlocks, type SnippetDiagnostic } from './type-check-blocks';

// Every ```ts block of README.md is compiled against the real sources and, unless marked
// `<!-- no-run: why -->`, run: a snippet that no longer compiles or throws fails here, naming
// its README line (see docs/contributing.md, "Documentation snippets are tests").
const FILE = 'README.md';
const blocks = extractTsBlocks(fs.readFileSync(path.join(__dirname, '../..', FILE), 'utf8'), FILE);

let diagnostics: SnippetDiagnostic[][];
beforeAll(() => {
  diagnostics = typeCheckBlocks(blocks, FILE);
});

test('README.md has ts blocks to check', () => {
  expect(blocks.length).toBeGreaterThan(0);
});

describe.each(blocks.map((block, index) => ({ block, index, line: block.line })))(`${FILE}:$line`, ({ block, index }) => {
  test('compiles', () => {
    const found = diagnostics[index];
    if (found.length > 0) throw new Error(found.map((d) => `${FILE}:${d.line}:${d.column}: ${d.message}`).join('\n'));
  });

  (block.run ? test : test.skip)(block.run ? 'runs' : `runs (no-run: ${block.noRunReason})`, async () => {
    await runBlock(block, FILE, { expect });
  });
});
