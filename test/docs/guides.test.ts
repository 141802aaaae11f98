import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractTsBlocks } from './markdown-blocks';
import { runBlock } from './run-block';
import { typeCheckDocuments, type SnippetDiagnostic } from './type-check-blocks';

// The guides in docs/ are held to the README's rule (readme.test.ts): every ```ts block is
// compiled against the real sources and, unless marked `<!-- no-run: why -->`, run. All guides
// are type-checked in one program, so the sources are checked once.
const ROOT = path.join(__dirname, '../..');
const GUIDES = fs
  .readdirSync(path.join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
const documents = GUIDES.map((file) => ({ file, blocks: extractTsBlocks(fs.readFileSync(path.join(ROOT, file), 'utf8'), file) }));

let diagnostics: SnippetDiagnostic[][][];
beforeAll(() => {
  diagnostics = typeCheckDocuments(documents);
}, 120_000);

test('docs/ has guides, each linked from the README', () => {
  expect(GUIDES.length).toBeGreaterThan(0);
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(GUIDES.filter((file) => !readme.includes(`](${file})`))).toEqual([]);
});

describe.each(documents.map((document, d) => ({ ...document, d })))('$file', ({ file, blocks, d }) => {
  test('has ts blocks to check', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  describe.each(blocks.map((block, index) => ({ block, index, line: block.line })))(`${file}:$line`, ({ block, index }) => {
    test('compiles', () => {
      const found = diagnostics[d][index];
      if (found.length > 0) throw new Error(found.map((x) => `${file}:${x.line}:${x.column}: ${x.message}`).join('\n'));
    });

    (block.run ? test : test.skip)(block.run ? 'runs' : `runs (no-run: ${block.noRunReason})`, async () => {
      await runBlock(block, file, { expect });
    });
  });
});
