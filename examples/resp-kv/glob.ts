/**
 * Redis's glob patterns, matched as Redis 7.0's `stringmatchlen` (util.c) matches them, for KEYS
 * (case-sensitive) and CONFIG GET (`nocase`):
 *
 *   `*` any run of characters (consecutive stars are one), `?` any one character,
 *   `[abc]` / `[^abc]` / `[a-z]` a set (a reversed range `[z-a]` is swapped, `[]` matches
 *   nothing, an unclosed `[` runs to the end of the pattern), `\x` the character x, inside or
 *   outside a set; a trailing lone `\` is itself.
 *
 * Redis's quirks are kept on purpose, so that replies match a real server's byte for byte:
 * - an empty subject matches only the empty pattern (`*` matches an empty key in KEYS only
 *   because KEYS skips matching for the pattern `*`);
 * - range ends and the subject byte compare as C's signed `char` (x86): `[\x00-\xff]` is the
 *   range -1..0;
 * - with `nocase`, an escaped character inside a set still compares case-sensitively, and a
 *   range is swapped before it is lower-cased;
 * - a pattern with more than 1000 `*` groups before its end matches nothing (Redis's guard
 *   against abusive patterns: its recursion stops at depth 1000).
 *
 * Why not a RegExp (as this file once did): a backtracking RegExp made from `*a*a*a*b` takes
 * time exponential in the number of stars against a long key, and KEYS runs on the reactor
 * thread, so one such request stalled every client; a pattern of 32 KiB made a RegExp too large
 * to compile. This matcher is iterative and keeps a single backtrack point (the last `*` seen):
 * on a mismatch only that star takes one more character, since every other token matches
 * exactly one. Worst case O(pattern × subject), no recursion, no allocation per match.
 *
 * Patterns and keys are latin1 strings (one character per byte), so the match is byte-wise.
 */
export class GlobPattern {
  private readonly tooManyStars: boolean;

  constructor(
    private readonly pattern: string,
    private readonly nocase = false,
  ) {
    this.tooManyStars = countStarGroups(pattern) > MAX_STAR_GROUPS;
  }

  /** True when `subject` matches the whole pattern. */
  matches(subject: string): boolean {
    const p = this.pattern;
    const n = p.length;
    const m = subject.length;
    if (m === 0) return n === 0; // stringmatchlen's loop never starts
    if (this.tooManyStars) return false;
    let pi = 0;
    let si = 0;
    let starAt = -1; // pattern index just past the last star group; -1: none yet
    let starSubject = 0; // where that star's run ends now
    while (si < m) {
      if (pi < n && p.charCodeAt(pi) === STAR) {
        while (pi < n && p.charCodeAt(pi) === STAR) pi++;
        if (pi === n) return true; // a trailing star takes the rest
        starAt = pi;
        starSubject = si;
        continue;
      }
      if (pi < n) {
        const next = this.matchOne(pi, subject.charCodeAt(si));
        if (next !== -1) {
          pi = next;
          si++;
          continue;
        }
      }
      if (starAt === -1) return false;
      pi = starAt;
      si = ++starSubject; // the last star takes one more character
    }
    while (pi < n && p.charCodeAt(pi) === STAR) pi++;
    return pi === n;
  }

  /** Matches the token at `pi` (not a star) against the byte `c`: the next token's index, or -1. */
  private matchOne(pi: number, c: number): number {
    const p = this.pattern;
    const code = p.charCodeAt(pi);
    if (code === QUESTION) return pi + 1;
    if (code === OPEN) {
      const end = scanSet(p, pi + 1, c, this.nocase);
      return end >= 0 ? end + 1 : -1;
    }
    let literal = code;
    if (code === BACKSLASH && pi + 1 < p.length) literal = p.charCodeAt(++pi);
    return equal(literal, c, this.nocase) ? pi + 1 : -1;
  }
}

/** Redis's depth limit: a match passes at most this many `*` groups (a trailing one excepted). */
const MAX_STAR_GROUPS = 1000;
const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const BACKSLASH = 0x5c;

/** Outside of a match, scanSet only needs to find the set's end; any byte does. */
const NO_BYTE = -1;

/** Star groups a match must pass through: every group but one that ends the pattern. */
function countStarGroups(p: string): number {
  const n = p.length;
  let groups = 0;
  for (let i = 0; i < n; ) {
    const code = p.charCodeAt(i);
    if (code === STAR) {
      while (i < n && p.charCodeAt(i) === STAR) i++;
      if (i < n) groups++;
    } else if (code === OPEN) {
      const end = scanSet(p, i + 1, NO_BYTE, false);
      i = (end >= 0 ? end : -end - 1) + 1;
    } else {
      i += code === BACKSLASH && i + 1 < n ? 2 : 1;
    }
  }
  return groups;
}

/**
 * Reads the set starting after `[` at `i` as stringmatchlen reads it, testing the byte `c`.
 * Its end is the index of its closing `]` (the pattern's last index for an unclosed set);
 * returns `end` when `c` is in the set, `-end - 1` when it is not (one number, no allocation).
 */
function scanSet(p: string, i: number, c: number, nocase: boolean): number {
  const n = p.length;
  const negate = p.charCodeAt(i) === CARET;
  if (negate) i++;
  let match = false;
  for (;; i++) {
    const code = p.charCodeAt(i); // NaN at the end, like C's terminating NUL: nothing matches it
    if (code === BACKSLASH && n - i >= 2) {
      i++;
      if (p.charCodeAt(i) === c) match = true; // case-sensitive even with nocase, as in Redis
    } else if (code === CLOSE) {
      break;
    } else if (i >= n) {
      i--; // unclosed: the set runs to the end of the pattern
      break;
    } else if (n - i >= 3 && p.charCodeAt(i + 1) === DASH) {
      let start = signed(code);
      let end = signed(p.charCodeAt(i + 2));
      if (start > end) [start, end] = [end, start];
      let subject = signed(c);
      if (nocase) {
        start = lower(start);
        end = lower(end);
        subject = lower(subject);
      }
      if (subject >= start && subject <= end) match = true;
      i += 2;
    } else if (equal(code, c, nocase)) {
      match = true;
    }
  }
  return match !== negate ? i : -i - 1;
}

/** A byte as C's signed `char` on x86. */
function signed(code: number): number {
  return code >= 0x80 ? code - 0x100 : code;
}

/** C's tolower in the C locale: ASCII letters only. */
function lower(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
}

function equal(a: number, b: number, nocase: boolean): boolean {
  return a === b || (nocase && lower(a) === lower(b));
}
