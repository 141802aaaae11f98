import * as fs from 'node:fs';
import * as path from 'node:path';

// The README and the guides link to each other and to files of the repository by relative
// paths and heading anchors. A section moved or renamed must not leave a link pointing at
// nothing: every relative link must name an existing file and, with `#anchor`, an existing
// heading of that Markdown file (anchors as GitHub derives them from the heading text).
const ROOT = path.join(__dirname, '../..');
const DOCUMENTS = ['README.md', 'bench/README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];

/** GitHub's anchor for a heading: rendered text, lower case, punctuation dropped, spaces as hyphens. */
function headingAnchor(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link shows its text
    .replace(/`/g, '');
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (outside code blocks), with GitHub's -1, -2 for repeats. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const base = headingAnchor(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The relative link targets of a Markdown file (outside code blocks and inline code), with their lines. */
function relativeLinks(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  let fenced = false;
  markdown.split(/\r?\n/).forEach((text, index) => {
    if (/^```/.test(text)) fenced = !fenced;
    if (fenced) return;
    for (const match of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(match[1])) links.push({ target: match[1], line: index + 1 });
    }
  });
  return links;
}

function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  for (const { target, line } of relativeLinks(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
    const [filePart, anchor] = target.split('#', 2);
    const resolved = filePart === '' ? path.join(ROOT, file) : path.join(ROOT, path.dirname(file), decodeURIComponent(filePart));
    if (!fs.existsSync(resolved)) {
      problems.push(`${file}:${line}: ${target}: no such file`);
      continue;
    }
    if (anchor !== undefined && !(resolved.endsWith('.md') && anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor))) {
      problems.push(`${file}:${line}: ${target}: no heading with that anchor`);
    }
  }
  return problems;
}

test('headingAnchor derives anchors as GitHub does', () => {
  expect(headingAnchor('Request/response clients')).toBe('requestresponse-clients');
  expect(headingAnchor('IRC (`torsion/irc`)')).toBe('irc-torsionirc');
  expect(headingAnchor('Fail at bootstrap, not at 3 a.m.')).toBe('fail-at-bootstrap-not-at-3-am');
  expect([...anchorsOf('# A\n```sh\n# not a heading\n```\n## A\n')]).toEqual(['a', 'a-1']);
});

test('a link to a missing file or heading is found, naming its line', () => {
  expect(relativeLinks('x\nsee [a](docs/a.md#b), `[no](c.md)`, [web](https://x.y/z)\n```\n[d](e.md)\n```\n')).toEqual([{ target: 'docs/a.md#b', line: 2 }]);
});

test.each(DOCUMENTS)('%s: every relative link resolves', (file) => {
  expect(brokenLinks(file)).toEqual([]);
});
