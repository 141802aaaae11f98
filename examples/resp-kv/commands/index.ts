import { commandTable } from './command';
import { CONNECTION_COMMANDS } from './connection';
import { EXPIRE_COMMANDS } from './expire';
import { KEY_COMMANDS } from './keys';
import { SERVER_COMMANDS } from './server';
import { STRING_COMMANDS } from './strings';

/** resp-kv's command table, built once at load: upper-case name -> command (arities as Redis's). */
export const COMMANDS = commandTable(CONNECTION_COMMANDS, SERVER_COMMANDS, STRING_COMMANDS, KEY_COMMANDS, EXPIRE_COMMANDS);

export type { Command, CommandTable, Run, Session } from './command';
export { parseInt64 } from './replies';
