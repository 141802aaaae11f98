import { OptionError, type DynamicModule } from 'torsion';
import { IrcServerModule } from 'torsion/irc';

/** The MOTD of the example server. */
export const MOTD = ['Welcome to torsion\'s IRC server example.', 'Join #torsion and say hello.'];

/**
 * An IRC server on port 6667 (PORT overrides it, as in every example): torsion's
 * `IrcServerModule` configured from the environment. IRC_PING_SECONDS (default 120) is how
 * long a client may stay silent before the server PINGs it (and as long again to answer);
 * IRC_SERVER_NAME (default irc.torsion.local) names the server in its replies.
 */
export function ircServerModule(env: NodeJS.ProcessEnv = process.env): DynamicModule {
  const pingSeconds = env.IRC_PING_SECONDS === undefined || env.IRC_PING_SECONDS === '' ? 120 : Number(env.IRC_PING_SECONDS);
  if (!Number.isInteger(pingSeconds) || pingSeconds < 1) throw new OptionError(`IRC_PING_SECONDS must be a whole number of seconds >= 1, got ${JSON.stringify(env.IRC_PING_SECONDS)}`);
  return IrcServerModule.configure({
    port: 6667,
    serverName: env.IRC_SERVER_NAME || 'irc.torsion.local',
    network: 'TorsionNet',
    motd: MOTD,
    pingIntervalMs: pingSeconds * 1000,
  });
}
