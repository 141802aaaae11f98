import type { RespReply } from 'torsion';
import { GlobPattern } from '../glob';
import { cString, NO_ARRAY, subcommandArity, unknownSubcommand } from './replies';

/** What CONFIG GET reports (redis-benchmark asks for `save` and `appendonly` on start). */
const CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['save', ''],
  ['appendonly', 'no'],
  ['databases', '1'],
  ['maxmemory', '0'],
];

/** COMMAND [COUNT|DOCS|INFO]: redis-cli asks for `COMMAND DOCS` (interactive hints); an empty answer is accepted. */
export function commandCommand(count: number, sub: string | undefined, rest: readonly string[]): RespReply {
  if (sub === undefined) return NO_ARRAY;
  const upper = sub.toUpperCase();
  if (upper === 'COUNT') {
    if (rest.length > 0) throw subcommandArity('command', 'count');
    return count;
  }
  if (upper === 'DOCS' || upper === 'INFO') return NO_ARRAY;
  throw unknownSubcommand(sub, 'COMMAND');
}

/**
 * CONFIG GET parameter... (Redis 7.0's configGetCommand): an argument without `[`, `*` or `?` is
 * looked up by name, case-insensitively, and echoed as given (`CONFIG GET SAVE` answers
 * `SAVE`); a pattern is matched case-insensitively and answers the parameters' own names. A
 * parameter is reported once however many arguments match it. Arguments are C strings there:
 * they end at a NUL.
 */
export function configCommand(sub: string, parameters: readonly string[]): string[] {
  if (sub.toUpperCase() !== 'GET') throw unknownSubcommand(sub, 'CONFIG');
  if (parameters.length === 0) throw subcommandArity('config', 'get');
  const reply: string[] = [];
  const seen = new Set<string>();
  for (const parameter of parameters) {
    const arg = cString(parameter, parameter.length);
    if (!/[[*?]/.test(arg)) {
      const name = arg.toLowerCase();
      const entry = CONFIG.find(([known]) => known === name);
      if (entry !== undefined && !seen.has(name)) {
        seen.add(name);
        reply.push(arg, entry[1]);
      }
      continue;
    }
    const pattern = new GlobPattern(arg, true);
    for (const [name, value] of CONFIG) {
      if (!seen.has(name) && pattern.matches(name)) {
        seen.add(name);
        reply.push(name, value);
      }
    }
  }
  return reply;
}
