import type { Application, BoundAddress } from '../../src/index';
import { extractTsBlocks, MarkdownBlockError } from './markdown-blocks';
import { runBlock } from './run-block';
import { typeCheckBlocks, typeCheckDocuments } from './type-check-blocks';

// The checker behind readme.test.ts must fail on a broken snippet, at the right line.
const BROKEN = `# Doc

Some prose.

\`\`\`ts
import { createTestingApp } from 'torsion/testing';
import { Module, OnData, Protocol } from 'torsion';

@Protocol()
class Echo { @OnData() echo(data: Buffer) { return data; } }

@Module({ protocols: [Echo] })
class AppModule {}

const t = createTestingApp(AppModule);
const { client, server, pump } = t.connectPair(Echo, Echo);
await pump();
\`\`\`

<!-- no-run: shows a type error -->
\`\`\`ts
import { lines } from 'torsion';
const codec = lines({ maxLength: 'a lot' });
\`\`\`
`;

describe('extractTsBlocks', () => {
  test('finds ts blocks with the line of their first code line and their no-run marker', () => {
    const blocks = extractTsBlocks(BROKEN, 'DOC.md');
    expect(blocks.map((b) => [b.line, b.run, b.noRunReason])).toEqual([
      [6, true, undefined],
      [22, false, 'shows a type error'],
    ]);
  });

  test('ignores other languages, and ``` inside them', () => {
    expect(extractTsBlocks('```sh\necho ```ts\n```\n```python\nx = 1\n```\n', 'DOC.md')).toEqual([]);
  });

  test('a no-run marker without a reason is refused, naming the line', () => {
    expect(() => extractTsBlocks('<!-- no-run -->\n```ts\nlet x = 1;\n```\n', 'DOC.md')).toThrow(new MarkdownBlockError('DOC.md:1: <!-- no-run --> needs a reason: <!-- no-run: binds port 8000 -->'));
  });

  test('an unclosed fence is refused, naming the line', () => {
    expect(() => extractTsBlocks('text\n```ts\nlet x = 1;\n', 'DOC.md')).toThrow('DOC.md:2: the code block opened here is never closed');
  });
});

describe('typeCheckBlocks', () => {
  test('reports a type error at its line in the document', () => {
    const [first, second] = typeCheckBlocks(extractTsBlocks(BROKEN, 'DOC.md'), 'DOC.md');
    expect(first).toEqual([]);
    expect(second).toEqual([expect.objectContaining({ line: 23, message: expect.stringContaining("Type 'string' is not assignable to type 'number'") })]);
  });
});

describe('typeCheckDocuments', () => {
  test('checks several files in one program, each diagnostic at its own file and line', () => {
    const ok = { file: 'docs/a.md', blocks: extractTsBlocks("```ts\nimport { lines } from 'torsion';\nlines({ maxLength: 1 });\n```\n", 'docs/a.md') };
    const bad = { file: 'docs/b.md', blocks: extractTsBlocks(BROKEN, 'docs/b.md') };
    const [first, second] = typeCheckDocuments([ok, bad]);
    expect(first).toEqual([[]]);
    expect(second[0]).toEqual([]);
    expect(second[1]).toEqual([expect.objectContaining({ line: 23, message: expect.stringContaining("Type 'string' is not assignable to type 'number'") })]);
  });
});

describe('runBlock', () => {
  test('the old testing snippet (pump called without its pair) fails, naming the block line', async () => {
    const [block] = extractTsBlocks(BROKEN, 'DOC.md');
    await expect(runBlock(block, 'DOC.md', { expect })).rejects.toThrow(/^DOC\.md:6: the block starting here failed when run: TypeError: Cannot read properties of undefined \(reading 'client'\)/);
  });

  test('a failed expectation fails the run', async () => {
    const [block] = extractTsBlocks("```ts\nexpect(1 + 1).toBe(3);\n```\n", 'DOC.md');
    await expect(runBlock(block, 'DOC.md', { expect })).rejects.toThrow(/^DOC\.md:2: the block starting here failed when run/);
  });

  test('a bootstrapped app listens on 127.0.0.1 port 0, whatever it declares, and is closed after the run', async () => {
    const code = [
      "import 'reflect-metadata';",
      "import { Listen, Module, OnData, Protocol, bootstrap } from 'torsion';",
      '@Listen(8000) @Protocol() class Echo { @OnData() echo(data: Buffer) { return data; } }',
      '@Module({ protocols: [Echo] }) class M {}',
      'const app = await bootstrap(M);',
      'module.exports = { app, address: app.address(Echo), runningInside: app.reactor.running };',
    ].join('\n');
    const { app, address, runningInside } = (await runBlock({ line: 1, code, run: true, noRunReason: undefined }, 'DOC.md', { expect })) as { app: Application; address: BoundAddress; runningInside: boolean };
    expect(address).toEqual(expect.objectContaining({ host: '127.0.0.1' }));
    expect(address.port).not.toBe(8000);
    expect(runningInside).toBe(true);
    expect(app.reactor.running).toBe(false);
  });
});
