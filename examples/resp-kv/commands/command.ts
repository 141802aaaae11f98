import { respError, type Connection, type RespReply } from 'torsion';
import type { KeyValueStore } from '../store';

/** What a command runs against: the shared keyspace, the client's connection, the command table. */
export interface Session {
  readonly store: KeyValueStore;
  readonly conn: Connection;
  readonly commands: CommandTable;
}

/** A command's implementation: sync, so a request costs a Map lookup and one direct call. */
export type Run = (session: Session, args: string[]) => RespReply | undefined;

/** One entry of the command table (Redis's `redisCommand`, reduced to what resp-kv needs). */
export interface Command {
  /** Lower-case, as Redis names it in errors. */
  readonly name: string;
  /** Redis's convention: n > 0 exactly n arguments (the name included), n < 0 at least -n. */
  readonly arity: number;
  readonly run: Run;
  /** `ERR wrong number of arguments for 'name' command`, built once. */
  readonly arityError: RespReply;
}

/** Upper-case name -> command. */
export type CommandTable = ReadonlyMap<string, Command>;

/** A table entry; each command family declares its entries beside their functions. */
export function command(name: string, arity: number, run: Run): Command {
  const lower = name.toLowerCase();
  return { name: lower, arity, run, arityError: respError(`ERR wrong number of arguments for '${lower}' command`) };
}

/** Builds the table: upper-case name -> command. */
export function commandTable(...families: ReadonlyArray<readonly Command[]>): CommandTable {
  const table = new Map<string, Command>();
  for (const family of families) for (const entry of family) table.set(entry.name.toUpperCase(), entry);
  return table;
}
