import { GlobPattern } from './glob';

/**
 * GlobPattern against Redis 7.0.15's stringmatchlen: every expectation here was checked on a
 * real redis-server (KEYS for the case-sensitive match, CONFIG GET for `nocase`).
 */
describe('examples/resp-kv glob (stringmatchlen)', () => {
  const m = (pattern: string, subject: string, nocase = false): boolean => new GlobPattern(pattern, nocase).matches(subject);

  it('stars, ? and sets as Redis reads them', () => {
    expect(m('h*llo', 'hllo')).toBe(true);
    expect(m('h*llo', 'heeeello')).toBe(true);
    expect(m('h?llo', 'hllo')).toBe(false);
    expect(m('*o*r', 'other')).toBe(true);
    expect(m('a*', 'a')).toBe(true);
    expect(m('a**', 'a')).toBe(true);
    expect(m('[]', 'a')).toBe(false);
    expect(m('[^]', 'a')).toBe(true);
    expect(m('a[bc', 'ab')).toBe(true); // an unclosed set runs to the end
    expect(m('[a-]x', 'x')).toBe(true); // `a-]` is a range, so the set is unclosed and holds 'x'
    expect(m('a\\', 'a\\')).toBe(true); // a trailing backslash is literal
    expect(m('a.c', 'abc')).toBe(false); // regex characters are literals
    expect(m('(x)+', '(x)+')).toBe(true);
    expect(m('*', 'line\nbreak')).toBe(true);
    expect(m('[\\]]', ']')).toBe(true);
    expect(m('h\\*llo', 'hello')).toBe(false);
  });

  it('an empty subject matches only the empty pattern: `**` and `*` do not match it (KEYS special-cases `*`)', () => {
    expect(m('', '')).toBe(true);
    expect(m('**', '')).toBe(false);
    expect(m('*', '')).toBe(false);
    expect(m('', 'a')).toBe(false);
  });

  it('ranges compare bytes as signed chars, as Redis does on x86', () => {
    expect(m('[\x00-\xff]', '\x00')).toBe(true);
    expect(m('[\x00-\xff]', '\xff')).toBe(true);
    expect(m('[\x00-\xff]', '\x80')).toBe(false); // the range is -1..0
    expect(m('[a-\x80]', '\x80')).toBe(true); // -128..97
    expect(m('[a-\x80]', 'b')).toBe(false);
  });

  it('nocase (CONFIG GET): letters fold, a range is swapped before it is folded, an escape in a set does not fold', () => {
    expect(m('SA*', 'save', true)).toBe(true);
    expect(m('[S]ave', 'save', true)).toBe(true);
    expect(m('[A-Z]ppendonly', 'appendonly', true)).toBe(true);
    expect(m('[Z-a]ppendonly', 'appendonly', true)).toBe(false);
    expect(m('[\\S]ave*', 'save', true)).toBe(false);
    expect(m('[\\s]ave*', 'save', true)).toBe(true);
    expect(m('\\Save*', 'save', true)).toBe(true);
    expect(m('SA*', 'save')).toBe(false);
  });

  it('more than 1000 star groups before the end match nothing (Redis stops recursing at depth 1000)', () => {
    const subject = 'a'.repeat(1001);
    expect(m('*a'.repeat(1000), subject)).toBe(true);
    expect(m('*a'.repeat(1001), subject)).toBe(false);
    expect(m(`${'*a'.repeat(1000)}*`, subject)).toBe(true);
    expect(m(`${'*a'.repeat(1001)}*`, subject)).toBe(false);
  });

  it('regression: patterns that made the RegExp backtrack or overflow match like Redis', () => {
    const key = 'a'.repeat(1000);
    expect(m('*a*a*a*b', key)).toBe(false);
    expect(m('*a*a*a*a*a*a*a*a*a*a*a*a*b', key)).toBe(false);
    expect(m('*a*a*a*a', key)).toBe(true);
    const huge = '?'.repeat(40_000); // a RegExp of this failed to compile
    expect(m(huge, 'a'.repeat(40_000))).toBe(true);
    expect(m(huge, key)).toBe(false);
    expect(m(`${'[a]'.repeat(12_000)}*`, 'a'.repeat(12_000))).toBe(true);
  });
});
