/**
 * A user's program on the batteries, compiled by `npm run api:check` with consumer.ts against the
 * shipped package: it imports from every subpath export, and mixes their types with torsion's
 * (one `DynamicModule`, one `MaildirStore` whether it comes from torsion/maildir or torsion/imap),
 * so a subpath whose typings are missing, or copy torsion's declarations, fails to compile.
 */
import 'reflect-metadata';
import { Connect, Module, OnCommand, bootstrap, type Application, type DynamicModule, type TorsionError } from 'torsion';
import { createTestingApp } from 'torsion/testing';
import { IrcBot, IrcClient, IrcServerModule, ircMessage, type IrcMessage, type IrcSource } from 'torsion/irc';
import { MemoryDelivery, SmtpClientModule, SmtpServerModule, sendMail, type SendResult } from 'torsion/smtp';
import { ImapServerModule, ImapSession, MaildirStore as ImapMaildirStore } from 'torsion/imap';
import { MaildirStore, MailStoreError, type DeliveryEvent, type MailStore } from 'torsion/maildir';

@Connect({ host: '127.0.0.1', port: 6667 })
@IrcBot({ nick: 'pingbot', channels: ['#torsion'] })
class PingBot extends IrcClient {
  @OnCommand('PRIVMSG')
  said(from: IrcSource, target: string, text: string): void {
    if (text === '!ping') this.say(this.replyTarget(from, target), 'pong');
  }
}

@Module({ protocols: [PingBot] })
class BotModule {}

export async function irc(): Promise<IrcMessage> {
  const server: DynamicModule = IrcServerModule.configure({ port: 0, serverName: 'irc.example.test' });
  const app: Application = await bootstrap(server);
  const bot = await bootstrap(BotModule);
  await Promise.all([bot.close(), app.close()]);
  return ircMessage('JOIN', '#torsion');
}

export async function smtp(): Promise<SendResult> {
  const inbox = new MemoryDelivery();
  const server: DynamicModule = SmtpServerModule.configure({ port: 0, hostname: 'mx.example.test', localDomains: ['example.test'], delivery: inbox });
  @Module({ imports: [server, SmtpClientModule] })
  class MailModule {}
  const app = await bootstrap(MailModule);
  try {
    return await sendMail(app, { port: 2525, from: 'carol@elsewhere.test', to: ['alice@example.test'], message: 'Subject: hi\r\n\r\nhi\r\n' });
  } finally {
    await app.close();
  }
}

export async function imap(root: string): Promise<string> {
  const store: MailStore = new MaildirStore({ root });
  // torsion/imap re-exports torsion/maildir: the same class, not a copy.
  const same: ImapMaildirStore = new MaildirStore({ root });
  const seen: DeliveryEvent[] = [];
  same.events.on('delivered', (event: DeliveryEvent) => seen.push(event));
  const t = createTestingApp(ImapServerModule.configure({ port: 0, store, authenticate: (user, password) => user === 'ann' && password === 'secret' }));
  const c = t.connect(ImapSession);
  c.send('a1 LOGOUT\r\n');
  await c.finished;
  await t.close();
  return c.text();
}

export function mailStoreError(error: MailStoreError): TorsionError {
  return error;
}
