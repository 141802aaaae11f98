import { parseAddressList } from '../../../src/protocols/imap/message/address';
import { bodyStructure, envelope } from '../../../src/protocols/imap/message/fetch-structure';
import { parseMessage } from '../../../src/protocols/imap/message/mime';
import { parseSection, sectionBytes } from '../../../src/protocols/imap/message/sections';
import { imapServerCodec, type ImapValue } from 'torsion/imap';

function write(values: ImapValue[]): string {
  const out: Array<Buffer | string> = [];
  imapServerCodec().encode({ values }, out);
  return Buffer.concat(out.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString();
}

const forwarded = [
  'Subject: fwd', 'Content-Type: multipart/mixed; boundary=outer', '', '--outer', 'Content-Type: text/plain', '', 'see below', '--outer',
  'Content-Type: message/rfc822', '', 'Subject: inner', 'From: Inner <in@x.test>', '', 'inner body', '--outer--', '',
].join('\r\n');

describe('IMAP message structure', () => {
  it('describes a message/rfc822 part with its envelope, structure and lines', () => {
    const root = parseMessage(Buffer.from(forwarded));
    expect(write([bodyStructure(root, false)])).toBe(
      '(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 9 1)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 53 (NIL "inner" (("Inner" NIL "in" "x.test")) (("Inner" NIL "in" "x.test")) (("Inner" NIL "in" "x.test")) NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" ("charset" "us-ascii") NIL NIL "7BIT" 10 1) 4) "MIXED")\r\n',
    );
  });

  it('numbers parts through a message/rfc822 part (RFC 3501 section 6.4.5)', () => {
    const raw = Buffer.from(forwarded);
    const root = parseMessage(raw);
    const at = (section: string): string => sectionBytes(raw, root, parseSection(section) as never).toString();
    expect(at('1')).toBe('see below');
    expect(at('2.HEADER')).toBe('Subject: inner\r\nFrom: Inner <in@x.test>\r\n\r\n');
    expect(at('2.TEXT')).toBe('inner body');
    expect(at('2.1')).toBe('inner body');
    expect(at('3')).toBe('');
    expect(parseSection('1.')).toBeUndefined();
    expect(parseSection('0')).toBeUndefined();
    expect(parseSection('MIME')).toBeUndefined();
  });

  it('reads address lists with quotes, comments, groups and bare addresses', () => {
    expect(parseAddressList('"Doe, John" <john@x.test>, (comment) jane@y.test, Team: a@z.test, b@z.test;, nobody')).toEqual([
      { name: 'Doe, John', mailbox: 'john', host: 'x.test' },
      { name: null, mailbox: 'jane', host: 'y.test' },
      { name: null, mailbox: 'Team', host: null },
      { name: null, mailbox: 'a', host: 'z.test' },
      { name: null, mailbox: 'b', host: 'z.test' },
      { name: null, mailbox: null, host: null },
      { name: null, mailbox: 'nobody', host: null },
    ]);
    const root = parseMessage(Buffer.from('From: a@x.test\r\nSender: s@x.test\r\n\r\n'));
    expect(write(envelope(root))).toBe('NIL NIL ((NIL NIL "a" "x.test")) ((NIL NIL "s" "x.test")) ((NIL NIL "a" "x.test")) NIL NIL NIL NIL NIL\r\n');
  });
});
