/**
 * Redis's glob patterns (`stringmatchlen` in util.c), as used by KEYS and CONFIG GET:
 * `*` any run of characters, `?` any one character, `[abc]` / `[^abc]` / `[a-z]` a set
 * (a reversed range `[z-a]` is swapped, `[]` matches nothing, an unclosed `[` runs to the end
 * of the pattern), `\x` the character x, inside or outside a set; a trailing lone `\` is
 * itself. Patterns and keys are latin1 strings (one character per byte), so the match is
 * byte-wise like Redis's.
 *
 * The pattern is compiled once into a RegExp (the KEYS call then scans the keyspace with it).
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '^';
  const n = pattern.length;
  for (let i = 0; i < n; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      while (pattern[i + 1] === '*') i++;
      source += '[^]*';
    } else if (ch === '?') {
      source += '[^]';
    } else if (ch === '[') {
      i = compileSet(pattern, i + 1, (set) => (source += set));
    } else if (ch === '\\' && i + 1 < n) {
      source += literal(pattern.charCodeAt(++i));
    } else {
      source += literal(pattern.charCodeAt(i));
    }
  }
  return new RegExp(`${source}$`);
}

/** Compiles the set starting after `[` at `i`; returns the index of its `]` (or the last index). */
function compileSet(pattern: string, i: number, emit: (set: string) => void): number {
  const n = pattern.length;
  let negate = false;
  if (pattern[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  for (; i < n; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < n) {
      body += literal(pattern.charCodeAt(++i));
    } else if (ch === ']') {
      break;
    } else if (i + 2 < n && pattern[i + 1] === '-') {
      let low = pattern.charCodeAt(i);
      let high = pattern.charCodeAt(i + 2);
      if (low > high) [low, high] = [high, low];
      body += `${literal(low)}-${literal(high)}`;
      i += 2;
    } else {
      body += literal(pattern.charCodeAt(i));
    }
  }
  // `[]` matches nothing and `[^]` anything, in JS as in Redis.
  emit(`[${negate ? '^' : ''}${body}]`);
  return i;
}

/** A character as a `\uXXXX` escape: valid inside and outside a set, never special. */
function literal(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}
