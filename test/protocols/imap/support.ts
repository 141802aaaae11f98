import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ImapServerModule, ImapSession, MaildirStore, type ImapServerOptions } from 'torsion/imap';
import { createTestingApp, type TestConnection, type TestingApp } from 'torsion/testing';

/** An IMAP server on a fresh Maildir root in a testing app, and a way to talk to it. */
export class ImapHarness {
  readonly root = mkdtempSync(path.join(tmpdir(), 'torsion-imap-'));
  readonly store = new MaildirStore({ root: this.root });
  readonly t: TestingApp;

  constructor(options: Partial<ImapServerOptions> = {}) {
    this.t = createTestingApp(
      ImapServerModule.configure({ store: this.store, authenticate: (user, password) => user === 'ann' && password === 'pw', ...options }),
    );
  }

  connect(peer?: string): ImapClient {
    return new ImapClient(this.t.connect(ImapSession, peer === undefined ? {} : { peer: { address: peer } }));
  }

  async close(): Promise<void> {
    await this.t.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Sends commands and waits, bounded, for their tagged reply. */
export class ImapClient {
  private seen = 0;

  constructor(readonly c: TestConnection) {}

  /** Everything written since the last call. */
  take(): string {
    const text = this.c.text();
    const fresh = text.slice(this.seen);
    this.seen = text.length;
    return fresh;
  }

  /** Sends raw bytes and waits until the output contains `until`. */
  async raw(data: string | Buffer, until: string | RegExp): Promise<string> {
    this.c.send(data);
    const start = this.seen;
    // The store works on real files: wait on the condition, bounded in time (generous under load).
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      await this.c.settle({ maxTurns: 100_000 });
      const fresh = this.c.text().slice(start);
      if (typeof until === 'string' ? fresh.includes(until) : until.test(fresh)) {
        this.seen = this.c.text().length;
        return fresh;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`no ${String(until)} in ${JSON.stringify(this.c.text().slice(start))}`);
  }

  /** `tag command` and its output up to the tagged reply. */
  run(tag: string, command: string): Promise<string> {
    return this.raw(`${tag} ${command}\r\n`, new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n$`));
  }

  async login(): Promise<void> {
    this.take();
    await this.run('L1', 'LOGIN ann pw');
  }
}

/** A small message with LF line ends, as some MTAs store them. */
export function lfMessage(subject: string, from = 'Ann <ann@x.test>', to = 'bob@y.test', body = 'hello\n'): Buffer {
  return Buffer.from(`From: ${from}\nTo: ${to}\nSubject: ${subject}\nDate: Mon, 7 Feb 1994 21:52:25 -0800\nMessage-ID: <${subject.replace(/\W/g, '')}@x.test>\n\n${body}`);
}
