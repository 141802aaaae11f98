import { command, type Command } from './command';
import { GlobPattern } from '../glob';
import { cString, NO_ARRAY, OK, subcommandArity, SYNTAX_ERROR, unknownSubcommand } from './replies';

/** What CONFIG GET reports (redis-benchmark asks for `save` and `appendonly` on start). */
const CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['save', ''],
  ['appendonly', 'no'],
  ['databases', '1'],
  ['maxmemory', '0'],
];

/** COMMAND [COUNT|DOCS|INFO]: redis-cli asks for `COMMAND DOCS` (interactive hints); an empty answer is accepted. */
export const commandCommand = command('command', -1, ({ commands }, args) => {
  if (args.length === 1) return NO_ARRAY;
  const sub = args[1].toUpperCase();
  if (sub === 'COUNT') return args.length === 2 ? commands.size : subcommandArity('command', 'count');
  if (sub === 'DOCS' || sub === 'INFO') return NO_ARRAY;
  return unknownSubcommand(args[1], 'COMMAND');
});

/**
 * CONFIG GET parameter... (Redis 7.0's configGetCommand): an argument without `[`, `*` or `?` is
 * looked up by name, case-insensitively, and echoed as given (`CONFIG GET SAVE` answers
 * `SAVE`); a pattern is matched case-insensitively and answers the parameters' own names. A
 * parameter is reported once however many arguments match it. Arguments are C strings there:
 * they end at a NUL.
 */
export const config = command('config', -2, (_session, args) => {
  if (args[1].toUpperCase() !== 'GET') return unknownSubcommand(args[1], 'CONFIG');
  if (args.length < 3) return subcommandArity('config', 'get');
  const reply: string[] = [];
  const seen = new Set<string>();
  for (let i = 2; i < args.length; i++) {
    const arg = cString(args[i], args[i].length);
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
});

/** DBSIZE */
export const dbsize = command('dbsize', 1, ({ store }) => store.size);

/** FLUSHALL [ASYNC|SYNC] */
export const flushall = command('flushall', -1, ({ store }, args) => {
  if (args.length > 2) return SYNTAX_ERROR;
  if (args.length === 2) {
    const mode = args[1].toUpperCase();
    if (mode !== 'ASYNC' && mode !== 'SYNC') return SYNTAX_ERROR;
  }
  store.flush();
  return OK;
});

export const SERVER_COMMANDS: readonly Command[] = [commandCommand, config, dbsize, flushall];
