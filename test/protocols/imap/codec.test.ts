import { FrameTooLargeError, OptionError } from 'torsion';
import { ImapSyntaxError, ImapTooLargeError, imapCommands, imapServerCodec, type ImapCommand, type ImapRequest, type ImapToken } from 'torsion/imap';
import { checkCodec } from 'torsion/testing';

const cmd = (tag: string, name: string, ...args: ImapToken[]): ImapCommand => ({ kind: 'command', tag, name, args });
const b = (text: string): Buffer => Buffer.from(text);

/** Feeds `input` to a fresh decoder of `imapServerCodec(limits)`, returning frames and frame errors in order. */
function decode(input: string | Buffer, options = {}): Array<ImapRequest | Error> {
  const decoder = imapServerCodec(options).createDecoder();
  const events: Array<ImapRequest | Error> = [];
  decoder.decode(Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1'), { frame: (f) => events.push(f), frameError: (e) => events.push(e) });
  return events;
}

describe('the IMAP command codec', () => {
  it('is a codec: checkCodec round trips commands, literals, lists, sections and DONE at every split', () => {
    const report = checkCodec(imapCommands({ maxLength: 200, maxLiteralSize: 300 }), {
      values: [
        cmd('A1', 'CAPABILITY'),
        cmd('a2', 'login', b('ann'), b('s\u00e9cret "x" \\ y')),
        cmd('A3', 'FETCH', '1:*', ['FLAGS', 'UID', 'BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>', 'BODY[]']),
        cmd('A4', 'APPEND', 'INBOX', ['\\Seen'], b('Subject: x\r\n\r\nbody {3}\r\n')),
        cmd('A5', 'SEARCH', 'CHARSET', 'UTF-8', 'SUBJECT', b('hello "world"'), 'UNSEEN', ['OR', 'SEEN', ['UID', '2:4']]),
        cmd('A6', 'UID', 'STORE', '1,3:5', '+FLAGS.SILENT', ['\\Deleted', '\\Seen']),
        cmd('A7', 'LIST', b(''), '%'),
        cmd('A8', 'X-EMPTY-LITERAL', b('\r\n'), b(''), []),
        { kind: 'done' },
      ],
      maxRetained: 200 + 300 + 120,
      wires: [
        {
          input: 'a1 login {3}\r\nann {6}\r\nsecret\r\n',
          frames: [{ kind: 'literal', tag: 'a1', size: 3 }, { kind: 'literal', tag: 'a1', size: 6 }, cmd('a1', 'login', b('ann'), b('secret'))],
        },
        { input: 'A2 NOOP\n\r\nA3 SELECT "a\\"b"\r\n', frames: [cmd('A2', 'NOOP'), cmd('A3', 'SELECT', b('a"b'))] },
        { input: 'done\r\n', frames: [{ kind: 'done' }] },
        { input: 'A4 APPEND INBOX {0}\r\n\r\n', frames: [{ kind: 'literal', tag: 'A4', size: 0 }, cmd('A4', 'APPEND', 'INBOX', b(''))] },
      ],
      oversize: `A9 NOOP ${'x'.repeat(700)}\r\n`,
      overflow: 'discard',
      oversizeReply: cmd('A1', 'APPEND', 'INBOX', Buffer.alloc(301, 0x80)),
      malformed: ['A1\r\n', '* NOOP\r\n', 'A1 FETCH (1\r\n', 'A1 X "open\r\n', 'A1 X  y\r\n', 'A1 FETCH BODY[\r\n', 'A1 X \x80\r\n', 'A1 X {3}x\r\n', 'A1 X "\\a"\r\n'],
      invalidReplies: [{ kind: 'literal', tag: 'A1', size: 1 }, cmd('a b', 'NOOP'), cmd('A1', 'NO OP'), cmd('A1', 'X', 'a b'), cmd('A1', 'X', 42 as never), null, 42],
    });
    expect(report.skipped).toEqual([]);
  });

  it('announces each synchronizing literal before its bytes, so the server can answer "+"', () => {
    const decoder = imapServerCodec().createDecoder();
    const events: ImapRequest[] = [];
    const sink = { frame: (f: ImapRequest) => events.push(f), frameError: (e: Error) => { throw e; } };
    decoder.decode(Buffer.from('A1 APPEND INBOX {5}\r\n'), sink);
    expect(events).toEqual([{ kind: 'literal', tag: 'A1', size: 5 }]);
    expect(decoder.bufferedBytes).toBe(21);
    decoder.decode(Buffer.from('hel'), sink);
    decoder.decode(Buffer.from('lo\r\n'), sink);
    expect(events[1]).toEqual(cmd('A1', 'APPEND', 'INBOX', b('hello')));
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('refuses a synchronizing literal over the limit by its tag before buffering it; the next command is read', () => {
    const events = decode('A1 APPEND INBOX {101}\r\nA2 NOOP\r\n', { maxLiteralSize: 100 });
    expect(events[0]).toBeInstanceOf(ImapTooLargeError);
    expect(events[0]).toBeInstanceOf(FrameTooLargeError);
    expect(events[0]).toMatchObject({ tag: 'A1', length: 101, maxLength: 100, code: 'TORSION_ERR_FRAME_TOO_LARGE' });
    expect(events.slice(1)).toEqual([cmd('A2', 'NOOP')]);
  });

  it('skips a refused LITERAL+ literal and the rest of its command without buffering them', () => {
    const decoder = imapServerCodec({ maxLiteralSize: 10 }).createDecoder();
    const events: Array<ImapRequest | Error> = [];
    const sink = { frame: (f: ImapRequest) => events.push(f), frameError: (e: Error) => events.push(e) };
    decoder.decode(Buffer.from('A1 APPEND INBOX {50+}\r\n'), sink);
    decoder.decode(Buffer.alloc(30, 0x41), sink);
    expect(decoder.bufferedBytes).toBe(0);
    decoder.decode(Buffer.concat([Buffer.alloc(20, 0x41), Buffer.from(' {3+}\r\nabc\r\nA2 NOOP\r\n')]), sink);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ tag: 'A1', length: 50, maxLength: 10 });
    expect(events[1]).toEqual(cmd('A2', 'NOOP'));
  });

  it('refuses an overlong line by its tag once it passes maxLength, drops it, and goes on', () => {
    const decoder = imapServerCodec({ maxLength: 32 }).createDecoder();
    const events: Array<ImapRequest | Error> = [];
    const sink = { frame: (f: ImapRequest) => events.push(f), frameError: (e: Error) => events.push(e) };
    decoder.decode(Buffer.from(`T7 SEARCH ${'x'.repeat(40)}`), sink);
    expect(events[0]).toMatchObject({ tag: 'T7', maxLength: 32 });
    expect(decoder.bufferedBytes).toBe(0);
    decoder.decode(Buffer.from(`${'y'.repeat(1000)}\r\nT8 NOOP\r\n`), sink);
    expect(events.slice(1)).toEqual([cmd('T8', 'NOOP')]);
  });

  it('reports a syntax error with the tag when there is one', () => {
    const [error] = decode('B2 FETCH (1\r\n');
    expect(error).toBeInstanceOf(ImapSyntaxError);
    expect(error).toMatchObject({ tag: 'B2', code: 'TORSION_ERR_FRAME' });
    expect(decode('(( NOOP\r\n')[0]).toMatchObject({ tag: undefined });
  });

  it('validates its options eagerly', () => {
    expect(() => imapServerCodec({ maxLength: 0 })).toThrow(OptionError);
    expect(() => imapServerCodec({ maxLenght: 1 } as never)).toThrow(/unknown option 'maxLenght'/);
  });
});

describe('the IMAP reply encoder', () => {
  const write = (reply: Parameters<ReturnType<typeof imapServerCodec>['encode']>[0]): Buffer => {
    const out: Array<Buffer | string> = [];
    imapServerCodec().encode(reply, out);
    return Buffer.concat(out.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  };

  it('writes lines with CRLF, values with quoted strings, NIL, numbers, lists and byte-exact {n} literals', () => {
    const body = Buffer.from([0x53, 0x0d, 0x0a, 0xff, 0x00]);
    const wire = write([
      '* OK ready',
      { values: ['*', 3, 'FETCH', ['UID', 7, 'FLAGS', ['\\Seen'], 'ENVELOPE', [null, b('a "q" \\')], 'BODY[]', body]] },
      { values: ['A1', 'OK'], text: 'FETCH completed' },
    ]);
    expect(wire).toEqual(
      Buffer.concat([b('* OK ready\r\n* 3 FETCH (UID 7 FLAGS (\\Seen) ENVELOPE (NIL "a \\"q\\" \\\\") BODY[] {5}\r\n'), body, b(')\r\nA1 OK FETCH completed\r\n')]),
    );
  });

  it('refuses CR or LF inside a line, so nothing a peer sent can forge a response', () => {
    expect(() => write('* LIST () "." a\r\nA1 OK')).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
    expect(() => write({ values: ['*', 'x\ny'] })).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
    expect(() => write({ values: ['*'], text: 'a\rb' })).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
  });
});
