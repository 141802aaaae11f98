import { runExample } from '../run';
import { pingBot } from './app';

const env = process.env;
const { PingBotModule } = pingBot({
  host: env.IRC_HOST || '127.0.0.1',
  port: env.IRC_PORT ? Number(env.IRC_PORT) : 6667,
  nick: env.IRC_NICK || undefined,
  channel: env.IRC_CHANNEL || undefined,
});
void runExample(PingBotModule);
