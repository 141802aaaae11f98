import { ImapHarness, lfMessage, type ImapClient } from './support';

let h: ImapHarness;
afterEach(async () => {
  await h?.close();
});

async function selected(): Promise<ImapClient> {
  const c = h.connect();
  await c.login();
  await c.run('S1', 'SELECT INBOX');
  c.take();
  return c;
}

describe('IMAP not authenticated', () => {
  it('greets with capabilities; CAPABILITY, NOOP and LOGOUT work; LOGOUT says BYE and closes', async () => {
    h = new ImapHarness();
    const c = h.connect();
    expect(c.take()).toBe('* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] torsion IMAP4rev1 ready\r\n');
    expect(await c.run('a1', 'CAPABILITY')).toBe('* CAPABILITY IMAP4rev1 LITERAL+ IDLE\r\na1 OK CAPABILITY completed\r\n');
    expect(await c.run('a2', 'noop')).toBe('a2 OK NOOP completed\r\n');
    expect(await c.run('a3', 'LOGOUT')).toBe('* BYE IMAP4rev1 server logging out\r\na3 OK LOGOUT completed\r\n');
    expect(c.c.closed).toBe(true);
  });

  it('answers commands of other states with a tagged BAD, and unknown commands too', async () => {
    h = new ImapHarness();
    const c = h.connect();
    c.take();
    expect(await c.run('b1', 'SELECT INBOX')).toBe('b1 BAD SELECT is not allowed in this state\r\n');
    expect(await c.run('b2', 'FETCH 1 FLAGS')).toBe('b2 BAD FETCH is not allowed in this state\r\n');
    expect(await c.run('b3', 'FROB')).toBe('b3 BAD Unknown command FROB\r\n');
    expect(await c.run('b4', 'LOGIN ann')).toBe('b4 BAD LOGIN takes a user name and a password\r\n');
  });

  it('refuses a wrong password, and closes after maxLoginFailures', async () => {
    h = new ImapHarness({ maxLoginFailures: 2 });
    const c = h.connect();
    c.take();
    expect(await c.run('c1', 'LOGIN ann nope')).toBe('c1 NO [AUTHENTICATIONFAILED] Authentication failed\r\n');
    expect(await c.run('c2', 'LOGIN ann nope')).toBe('* BYE Too many failed logins\r\nc2 NO [AUTHENTICATIONFAILED] Authentication failed\r\n');
    expect(c.c.closed).toBe(true);
  });

  it('refuses LOGIN before STARTTLS from a remote peer (LOGINDISABLED), allows it on loopback or when configured', async () => {
    h = new ImapHarness();
    const remote = h.connect('203.0.113.7');
    expect(remote.take()).toContain('LOGINDISABLED');
    expect(await remote.run('d1', 'LOGIN ann pw')).toBe('d1 NO [PRIVACYREQUIRED] LOGIN is disabled until STARTTLS\r\n');
    const local = h.connect('::1');
    local.take();
    expect(await local.run('d2', 'LOGIN ann pw')).toBe('d2 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] LOGIN completed\r\n');
    await h.close();
    h = new ImapHarness({ plaintextLogin: 'never' });
    const never = h.connect();
    expect(await never.run('d3', 'LOGIN ann pw')).toContain('d3 NO [PRIVACYREQUIRED]');
    await h.close();
    h = new ImapHarness({ plaintextLogin: 'always' });
    expect(await h.connect('203.0.113.7').run('d4', 'LOGIN "ann" {2+}\r\npw')).toContain('d4 OK');
  });

  it('offers STARTTLS only with key material, and says BAD when it has none', async () => {
    h = new ImapHarness({ tls: { key: 'k', cert: 'c' } });
    expect(h.connect().take()).toContain('IMAP4rev1 LITERAL+ IDLE STARTTLS]');
    await h.close();
    h = new ImapHarness();
    const c = h.connect();
    expect(await c.run('e1', 'STARTTLS')).toContain('e1 BAD STARTTLS is not offered');
  });

  it('logs out a silent connection after the autologout time (30 minutes by default)', async () => {
    h = new ImapHarness();
    const c = h.connect();
    c.take();
    await h.t.advance(29 * 60_000);
    expect(c.c.closed).toBe(false);
    await h.t.advance(2 * 60_000);
    expect(c.take()).toBe('* BYE Autologout; idle for too long\r\n');
    expect(c.c.closed).toBe(true);
  });
});

describe('IMAP literals', () => {
  it('answers a synchronizing literal with "+" and takes LITERAL+ literals without one', async () => {
    h = new ImapHarness();
    const c = h.connect();
    c.take();
    expect(await c.raw('f1 LOGIN {3}\r\n', '+ Ready')).toBe('+ Ready for literal data\r\n');
    expect(await c.raw('ann {2+}\r\npw\r\n', 'f1 OK')).toContain('f1 OK');
  });

  it('refuses a literal over maxLiteralSize with a tagged NO [TOOBIG] and goes on', async () => {
    h = new ImapHarness({ maxLiteralSize: 100 });
    const c = h.connect();
    await c.login();
    expect(await c.raw('g1 APPEND INBOX {101}\r\n', 'g1 ')).toBe('g1 NO [TOOBIG] literal size (101) exceeds the allowed maximum (100)\r\n');
    expect(await c.run('g2', 'NOOP')).toBe('g2 OK NOOP completed\r\n');
  });

  it('answers a syntax error with a tagged BAD and goes on', async () => {
    h = new ImapHarness();
    const c = h.connect();
    c.take();
    expect(await c.raw('h1 LOGIN (ann\r\n', 'h1 BAD')).toContain('h1 BAD');
    expect(await c.run('h2', 'NOOP')).toBe('h2 OK NOOP completed\r\n');
  });
});

describe('IMAP authenticated', () => {
  it('LIST and LSUB list the mailboxes matching a pattern; STATUS counts', async () => {
    h = new ImapHarness();
    await h.store.createMailbox('ann', 'Sent');
    await h.store.createMailbox('ann', 'Sent.2024');
    await h.store.deliver('ann', lfMessage('one'));
    const c = h.connect();
    await c.login();
    expect(await c.run('i1', 'LIST "" *')).toBe('* LIST () "." "INBOX"\r\n* LIST () "." "Sent"\r\n* LIST () "." "Sent.2024"\r\ni1 OK LIST completed\r\n');
    expect(await c.run('i2', 'LIST "" %')).toBe('* LIST () "." "INBOX"\r\n* LIST () "." "Sent"\r\ni2 OK LIST completed\r\n');
    expect(await c.run('i3', 'LIST "" ""')).toBe('* LIST (\\Noselect) "." ""\r\ni3 OK LIST completed\r\n');
    expect(await c.run('i4', 'LSUB "Sent." *')).toBe('* LSUB () "." "Sent.2024"\r\ni4 OK LSUB completed\r\n');
    // Matched without backtracking: a RegExp of this pattern would not finish against this name.
    await h.store.createMailbox('ann', 'a'.repeat(200));
    expect(await c.run('i8', `LIST "" "${'*a'.repeat(30)}*b"`)).toBe('i8 OK LIST completed\r\n');
    expect(await c.run('i9', `LIST "" "${'%'.repeat(1100)}"`)).toMatch(/^i9 BAD the mailbox pattern is longer than 1024/);
    const status = await c.run('i5', 'STATUS inbox (MESSAGES UNSEEN UIDNEXT RECENT)');
    expect(status).toBe('* STATUS "INBOX" (MESSAGES 1 UNSEEN 1 UIDNEXT 2 RECENT 1)\r\ni5 OK STATUS completed\r\n');
    expect(await c.run('i6', 'STATUS Nope (MESSAGES)')).toMatch(/^i6 NO \[NONEXISTENT\]/);
    expect(await c.run('i7', 'STATUS ../x (MESSAGES)')).toMatch(/^i7 NO \[CANNOT\]/);
  });

  it('SELECT reports the mailbox; EXAMINE is read-only; a failed SELECT leaves none selected', async () => {
    h = new ImapHarness();
    await h.store.deliver('ann', lfMessage('one'));
    await h.store.deliver('ann', lfMessage('two'), { flags: ['\\Seen'] });
    const { uidValidity } = (await h.store.status('ann', 'INBOX'));
    const c = h.connect();
    await c.login();
    expect(await c.run('j1', 'EXAMINE INBOX')).toBe(
      ['* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)', '* OK [PERMANENTFLAGS ()] Flags permitted', '* 2 EXISTS', '* 1 RECENT', '* OK [UNSEEN 1] First unseen',
        `* OK [UIDVALIDITY ${uidValidity}] UIDs valid`, '* OK [UIDNEXT 3] Predicted next UID', 'j1 OK [READ-ONLY] EXAMINE completed', ''].join('\r\n'),
    );
    expect(await c.run('j2', 'STORE 1 +FLAGS (\\Seen)')).toBe('j2 NO [READ-ONLY] the mailbox is read-only\r\n');
    const select = await c.run('j3', 'SELECT INBOX');
    expect(select).toContain('* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)]');
    expect(select).toContain('j3 OK [READ-WRITE] SELECT completed');
    expect(await c.run('j4', 'SELECT Nope')).toMatch(/^j4 NO \[NONEXISTENT\]/);
    expect(await c.run('j5', 'FETCH 1 FLAGS')).toBe('j5 BAD FETCH is not allowed in this state\r\n');
  });

  it('APPEND stores a literal with flags and date, bytes exact; a missing mailbox is NO [TRYCREATE]', async () => {
    h = new ImapHarness();
    const c = h.connect();
    await c.login();
    const message = 'Subject: appended\r\n\r\n\u00e9t\u00e9 \x00 bytes\r\n';
    const bytes = Buffer.from(message, 'utf8');
    await c.raw(`k1 APPEND INBOX (\\Seen) "05-Jan-2024 10:00:00 +0100" {${bytes.length}}\r\n`, '+ Ready');
    expect(await c.raw(Buffer.concat([bytes, Buffer.from('\r\n')]), 'k1 ')).toBe('k1 OK APPEND completed\r\n');
    expect(await h.store.read('ann', 'INBOX', 1)).toEqual(bytes);
    const [stored] = (await h.store.messages('ann', 'INBOX')).messages;
    expect(stored).toMatchObject({ flags: ['\\Seen'], internalDate: new Date('2024-01-05T09:00:00Z') });
    expect(await c.run('k2', 'APPEND Nope {1+}\r\nx')).toMatch(/^k2 NO \[TRYCREATE\]/);
    expect(await c.run('k3', 'APPEND INBOX "bad date" {1+}\r\nx')).toMatch(/^k3 BAD/);
  });
});

describe('IMAP selected', () => {
  it('FETCH FLAGS, UID, RFC822.SIZE, INTERNALDATE, ENVELOPE; LF-stored messages are served with CRLF', async () => {
    h = new ImapHarness();
    await h.store.deliver('ann', lfMessage('Hello there', '"Ann A." <ann@x.test>', 'bob@y.test, Carl <carl@z.test>'), { internalDate: new Date('2024-03-04T05:06:07Z') });
    const c = await selected();
    const out = await c.run('m1', 'FETCH 1 (FLAGS UID RFC822.SIZE INTERNALDATE ENVELOPE)');
    const raw = await h.store.read('ann', 'INBOX', 1);
    expect(out).toBe(
      `* 1 FETCH (FLAGS (\\Recent) UID 1 RFC822.SIZE ${raw?.length} INTERNALDATE " 4-Mar-2024 05:06:07 +0000" ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" "Hello there" (("Ann A." NIL "ann" "x.test")) (("Ann A." NIL "ann" "x.test")) (("Ann A." NIL "ann" "x.test")) ((NIL NIL "bob" "y.test") ("Carl" NIL "carl" "z.test")) NIL NIL NIL "<Hellothere@x.test>"))\r\nm1 OK FETCH completed\r\n`,
    );
  });

  it('FETCH BODY[] is byte exact with CRLF, sets \\Seen; BODY.PEEK[] does not', async () => {
    h = new ImapHarness();
    await h.store.deliver('ann', lfMessage('peek'));
    await h.store.deliver('ann', lfMessage('seen'));
    const c = await selected();
    const crlf = lfMessage('peek').toString().replace(/\n/g, '\r\n');
    expect(await c.run('n1', 'FETCH 1 BODY.PEEK[]')).toBe(`* 1 FETCH (BODY[] {${crlf.length}}\r\n${crlf})\r\nn1 OK FETCH completed\r\n`);
    expect(await c.run('n2', 'FETCH 1 FLAGS')).toBe('* 1 FETCH (FLAGS (\\Recent))\r\nn2 OK FETCH completed\r\n');
    const body = await c.run('n3', 'FETCH 2 BODY[]');
    expect(body).toMatch(/^\* 2 FETCH \(BODY\[\] \{\d+\}\r\n[\s\S]*\r\n FLAGS \(\\Seen \\Recent\)\)\r\nn3 OK/);
    expect((await h.store.messages('ann', 'INBOX')).messages[1].flags).toEqual(['\\Seen']);
  });

  it('FETCH BODY[HEADER], BODY[HEADER.FIELDS (...)], BODY[TEXT] and partial <o.n>', async () => {
    h = new ImapHarness();
    await h.store.deliver('ann', lfMessage('parts', 'ann@x.test', 'bob@y.test', 'line one\nline two\n'));
    const c = await selected();
    const header = lfMessage('parts', 'ann@x.test', 'bob@y.test').toString().split('\n\n')[0].replace(/\n/g, '\r\n') + '\r\n\r\n';
    expect(await c.run('p1', 'FETCH 1 BODY.PEEK[HEADER]')).toBe(`* 1 FETCH (BODY[HEADER] {${header.length}}\r\n${header})\r\np1 OK FETCH completed\r\n`);
    expect(await c.run('p2', 'FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT to)]')).toBe('* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT to)] {34}\r\nTo: bob@y.test\r\nSubject: parts\r\n\r\n)\r\np2 OK FETCH completed\r\n');
    expect(await c.run('p3', 'FETCH 1 BODY.PEEK[TEXT]')).toBe('* 1 FETCH (BODY[TEXT] {20}\r\nline one\r\nline two\r\n)\r\np3 OK FETCH completed\r\n');
    expect(await c.run('p4', 'FETCH 1 BODY.PEEK[TEXT]<5.8>')).toBe('* 1 FETCH (BODY[TEXT]<5> "one\\r\\nlin")\r\np4 OK FETCH completed\r\n'.replace('"one\\r\\nlin"', '{8}\r\none\r\nlin'));
    expect(await c.run('p5', 'FETCH 1 BODY.PEEK[TEXT]<100.8>')).toBe('* 1 FETCH (BODY[TEXT]<100> "")\r\np5 OK FETCH completed\r\n');
    expect(await c.run('p6', 'FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (FROM TO DATE MESSAGE-ID)]')).toBe('* 1 FETCH (BODY[HEADER.FIELDS.NOT (FROM TO DATE MESSAGE-ID)] "Subject: parts\r\n\r\n")\r\np6 OK FETCH completed\r\n'.replace('"Subject: parts\r\n\r\n"', '{18}\r\nSubject: parts\r\n\r\n'));
    expect(await c.run('p7', 'FETCH 1 BODY[NOPE]')).toMatch(/^p7 BAD unknown FETCH item/);
  });

  it('FETCH BODYSTRUCTURE of a simple and of a multipart message, and BODY[n] parts', async () => {
    h = new ImapHarness();
    await h.store.deliver('ann', Buffer.from('Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\nthere\r\n'));
    const multipart = [
      'Subject: m', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '', 'preamble', '--b1', 'Content-Type: text/plain', '', 'part one', '--b1',
      'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="a.bin"', '', 'AAEC', '--b1--', 'epilogue', '',
    ].join('\r\n');
    await h.store.deliver('ann', Buffer.from(multipart));
    const c = await selected();
    expect(await c.run('q1', 'FETCH 1 BODYSTRUCTURE')).toBe('* 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("charset" "utf-8") NIL NIL "7BIT" 11 2 NIL NIL NIL NIL))\r\nq1 OK FETCH completed\r\n');
    expect(await c.run('q2', 'FETCH 2 BODYSTRUCTURE')).toBe(
      '* 2 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 8 1 NIL NIL NIL NIL)("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 4 NIL ("attachment" ("filename" "a.bin")) NIL NIL) "MIXED" ("boundary" "b1") NIL NIL NIL))\r\nq2 OK FETCH completed\r\n',
    );
    expect(await c.run('q3', 'FETCH 2 BODY')).toBe('* 2 FETCH (BODY (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 8 1)("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 4) "MIXED"))\r\nq3 OK FETCH completed\r\n');
    expect(await c.run('q4', 'FETCH 2 (BODY.PEEK[1] BODY.PEEK[2.MIME])')).toBe(
      '* 2 FETCH (BODY[1] "part one" BODY[2.MIME] {128}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="a.bin"\r\n\r\n)\r\nq4 OK FETCH completed\r\n',
    );
  });

  it('STORE +FLAGS, -FLAGS, FLAGS and .SILENT; UID STORE names the UID; flags land in the file name', async () => {
    h = new ImapHarness();
    for (const s of ['a', 'b', 'c']) await h.store.deliver('ann', lfMessage(s));
    const c = await selected();
    expect(await c.run('r1', 'STORE 1:2 +FLAGS (\\Seen \\Flagged)')).toBe('* 1 FETCH (FLAGS (\\Flagged \\Seen \\Recent))\r\n* 2 FETCH (FLAGS (\\Flagged \\Seen \\Recent))\r\nr1 OK STORE completed\r\n');
    expect(await c.run('r2', 'STORE 1 -FLAGS.SILENT (\\Flagged)')).toBe('r2 OK STORE completed\r\n');
    expect(await c.run('r3', 'UID STORE 3 FLAGS \\Answered')).toBe('* 3 FETCH (UID 3 FLAGS (\\Answered \\Recent))\r\nr3 OK UID STORE completed\r\n');
    const flags = (await h.store.messages('ann', 'INBOX')).messages.map((m) => m.flags);
    expect(flags).toEqual([['\\Seen'], ['\\Flagged', '\\Seen'], ['\\Answered']]);
    expect(await c.run('r4', 'STORE 1 BOGUS (\\Seen)')).toMatch(/^r4 BAD unknown STORE item/);
  });

  it('SEARCH ALL, SUBJECT, FROM, TO, SEEN/UNSEEN, UID, sequence sets, NOT/OR; UID SEARCH answers UIDs', async () => {
    h = new ImapHarness();
    await h.store.deliver('ann', lfMessage('Lunch plans', 'ann@x.test', 'bob@y.test'));
    await h.store.deliver('ann', lfMessage('Re: lunch', 'bob@y.test', 'ann@x.test'), { flags: ['\\Seen'] });
    await h.store.deliver('ann', lfMessage('Report', 'carl@z.test', 'bob@y.test'));
    await h.store.setFlags('ann', 'INBOX', 1, ['\\Deleted']);
    await h.store.expunge('ann', 'INBOX');
    const c = await selected();
    const search = async (tag: string, query: string): Promise<string> => (await c.run(tag, query)).split('\r\n')[0];
    expect(await search('s1', 'SEARCH ALL')).toBe('* SEARCH 1 2');
    expect(await search('s2', 'SEARCH SUBJECT lunch')).toBe('* SEARCH 1');
    expect(await search('s3', 'SEARCH FROM "CARL"')).toBe('* SEARCH 2');
    expect(await search('s4', 'SEARCH TO bob UNSEEN')).toBe('* SEARCH 2');
    expect(await search('s5', 'SEARCH SEEN')).toBe('* SEARCH 1');
    expect(await search('s6', 'SEARCH UID 3')).toBe('* SEARCH 2');
    expect(await search('s7', 'SEARCH 2:*')).toBe('* SEARCH 2');
    expect(await search('s8', 'UID SEARCH OR SUBJECT report SEEN')).toBe('* SEARCH 2 3');
    expect(await search('s9', 'UID SEARCH NOT (FROM bob)')).toBe('* SEARCH 3');
    expect(await search('s10', 'SEARCH CHARSET UTF-8 SUBJECT nothing')).toBe('* SEARCH');
    expect(await search('s11', 'SEARCH FROBNICATE')).toMatch(/^s11 BAD unknown search key/);
  });

  it('UID FETCH names UIDs and always returns UID', async () => {
    h = new ImapHarness();
    for (const s of ['a', 'b', 'c']) await h.store.deliver('ann', lfMessage(s));
    const c = await selected();
    expect(await c.run('u1', 'UID FETCH 2:* FLAGS')).toBe('* 2 FETCH (UID 2 FLAGS (\\Recent))\r\n* 3 FETCH (UID 3 FLAGS (\\Recent))\r\nu1 OK UID FETCH completed\r\n');
    expect(await c.run('u2', 'UID FETCH 9:* (UID)')).toBe('* 3 FETCH (UID 3)\r\nu2 OK UID FETCH completed\r\n');
  });

  it('EXPUNGE removes \\Deleted messages with EXPUNGE responses; CLOSE expunges silently', async () => {
    h = new ImapHarness();
    for (const s of ['a', 'b', 'c', 'd']) await h.store.deliver('ann', lfMessage(s));
    const c = await selected();
    await c.run('v1', 'STORE 2:3 +FLAGS.SILENT (\\Deleted)');
    expect(await c.run('v2', 'EXPUNGE')).toBe('* 3 EXPUNGE\r\n* 2 EXPUNGE\r\nv2 OK EXPUNGE completed\r\n');
    await c.run('v3', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    expect(await c.run('v4', 'CLOSE')).toBe('v4 OK CLOSE completed\r\n');
    expect((await h.store.messages('ann', 'INBOX')).messages.map((m) => m.uid)).toEqual([4]);
    expect(await c.run('v5', 'FETCH 1 FLAGS')).toBe('v5 BAD FETCH is not allowed in this state\r\n');
  });

  it('NOOP reports mail delivered meanwhile (EXISTS, RECENT) and messages expunged by another session', async () => {
    h = new ImapHarness();
    await h.store.deliver('ann', lfMessage('a'));
    await h.store.deliver('ann', lfMessage('b'));
    const c = await selected();
    await h.store.deliver('ann', lfMessage('c'));
    await h.store.setFlags('ann', 'INBOX', 1, ['\\Deleted']);
    await h.store.expunge('ann', 'INBOX');
    expect(await c.run('w1', 'NOOP')).toBe('* 1 EXPUNGE\r\n* 2 EXISTS\r\n* 2 RECENT\r\nw1 OK NOOP completed\r\n');
    await h.store.setFlags('ann', 'INBOX', 2, ['\\Flagged']);
    expect(await c.run('w2', 'CHECK')).toBe('* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\nw2 OK CHECK completed\r\n');
  });

  it('IDLE: "+ idling", new mail pushed as it is delivered, DONE ends it; only DONE is read meanwhile', async () => {
    h = new ImapHarness();
    await h.store.deliver('ann', lfMessage('a'));
    const c = await selected();
    expect(await c.raw('x1 IDLE\r\n', '+ idling')).toBe('+ idling\r\n');
    await h.store.deliver('ann', lfMessage('b'));
    expect(await c.raw('', '* 2 EXISTS')).toBe('* 2 EXISTS\r\n* 2 RECENT\r\n');
    expect(await c.raw('x2 NOOP\r\n', 'x2 ')).toBe('x2 BAD NOOP is not allowed in this state\r\n');
    expect(await c.raw('DONE\r\n', 'x1 ')).toBe('x1 OK IDLE terminated\r\n');
    expect(await c.run('x3', 'NOOP')).toBe('x3 OK NOOP completed\r\n');
    await h.store.deliver('ann', lfMessage('c'));
    // Not idling: reported with the next command's reply.
    expect(await c.run('x4', 'FETCH 1 UID')).toBe('* 1 FETCH (UID 1)\r\n* 3 EXISTS\r\n* 3 RECENT\r\nx4 OK FETCH completed\r\n');
  });

  it('several async deliverers while a session idles: every message gets one UID and the session sees them all', async () => {
    h = new ImapHarness();
    const c = await selected();
    await c.raw('y1 IDLE\r\n', '+ idling');
    const deliverer = async (who: number): Promise<number[]> => {
      const uids: number[] = [];
      for (let i = 0; i < 5; i++) uids.push((await h.store.deliver('ann', lfMessage(`m${who}-${i}`))).uid);
      return uids;
    };
    const uids = (await Promise.all([deliverer(1), deliverer(2), deliverer(3)])).flat().sort((a, b) => a - b);
    expect(uids).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    await c.raw('', '* 15 EXISTS');
    expect(await c.raw('DONE\r\n', 'y1 ')).toMatch(/y1 OK IDLE terminated\r\n$/);
    expect(await c.run('y2', 'UID SEARCH ALL')).toBe(`* SEARCH ${uids.join(' ')}\r\ny2 OK UID SEARCH completed\r\n`);
    expect(await c.run('y3', 'SEARCH SUBJECT m2-4')).toMatch(/^\* SEARCH \d+\r\n/);
  });

  it('a large FETCH writes one message at a time and waits while the output is full', async () => {
    h = new ImapHarness();
    for (const s of ['a', 'b', 'c']) await h.store.deliver('ann', lfMessage(s));
    const c = await selected();
    // The command is read, then the socket fills before the handler's first write (it reads files first).
    c.c.send('z1 FETCH 1:* BODY.PEEK[]\r\n');
    c.c.setWritable(false);
    // Bounded wait for the first response; the rest waits for the drain.
    for (let i = 0; i < 500 && !c.c.text().includes('* 1 FETCH'); i++) {
      await c.c.settle({ maxTurns: 100_000 }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(c.c.text()).toContain('* 1 FETCH');
    expect(c.c.text()).not.toContain('* 2 FETCH');
    c.c.setWritable(true);
    const rest = await c.raw('', 'z1 OK');
    expect(rest).toMatch(/\* 2 FETCH[\s\S]*\* 3 FETCH[\s\S]*z1 OK FETCH completed\r\n$/);
  });

  it('pipelined commands are answered in order', async () => {
    h = new ImapHarness();
    await h.store.deliver('ann', lfMessage('a'));
    const c = h.connect();
    c.take();
    const out = await c.raw('1 LOGIN ann pw\r\n2 SELECT INBOX\r\n3 FETCH 1 UID\r\n4 LOGOUT\r\n', '4 OK');
    expect(out.split('\r\n').filter((l) => /^\d /.test(l)).map((l) => l.slice(0, 4))).toEqual(['1 OK', '2 OK', '3 OK', '4 OK']);
  });
});
