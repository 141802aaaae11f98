import { respSimple } from 'torsion';
import { command, type Command } from './command';
import { OK } from './replies';

const PONG = respSimple('PONG');

/** PING [message]: PONG, or the message as a bulk string. */
export const ping: Command = command('ping', -1, (_session, args) => {
  if (args.length > 2) return ping.arityError;
  return args.length === 1 ? PONG : args[1];
});

/** ECHO message */
export const echo = command('echo', 2, (_session, args) => args[1]);

/** QUIT: +OK, then the connection closes; nothing pipelined after it runs. */
export const quit = command('quit', -1, ({ conn }) => {
  conn.send(OK);
  conn.end();
  return undefined;
});

export const CONNECTION_COMMANDS: readonly Command[] = [ping, echo, quit];
