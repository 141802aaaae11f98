import { tlsMaterial } from '../throwaway-tls';
import { runExample } from '../run';
import { mailServerModule } from './app';
import { mailServerConfig } from './config';

// SMTP on SMTP_PORT (2525) and IMAP on IMAP_PORT (1143), one listening line each (SMTP first);
// STARTTLS with TLS_KEY/TLS_CERT, else a throwaway self-signed certificate; without openssl
// neither STARTTLS nor SMTP AUTH is offered (IMAP LOGIN still works from loopback).
let config;
try {
  config = mailServerConfig();
} catch (error) {
  process.stderr.write(`mail-server: ${(error as Error).message}\n`);
  process.exit(1);
}
const tls = tlsMaterial('mail-server');
if (tls === undefined) process.stderr.write('mail-server: no TLS_KEY/TLS_CERT and no openssl: no STARTTLS, no SMTP AUTH\n');
process.stderr.write(`mail-server: mail for ${config.account.user}@${config.account.domain} is kept in ${config.root}/${config.account.user}/ (MAIL_ROOT)\n`);
void runExample(mailServerModule(config, tls));
