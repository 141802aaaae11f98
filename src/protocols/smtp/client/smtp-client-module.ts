import { Module } from '../../../decorators/module';
import { SmtpClientSession } from './smtp-client-session';
import { SmtpSender } from './smtp-sender';

/** The SMTP client: import it and inject `SmtpSender` (or call `sendMail(app, options)`). */
@Module({ protocols: [SmtpClientSession], providers: [SmtpSender], exports: [SmtpSender] })
export class SmtpClientModule {}
