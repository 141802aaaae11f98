import { FrameTooLargeError } from '../../../src';
import { DataEnd, SmtpLine, SmtpSynchronizationError, smtpCodec, type SmtpFrame, type SmtpInput } from 'torsion/smtp';

type Decoder = ReturnType<ReturnType<typeof smtpCodec>['createDecoder']>;

/** A sink that records frames: lines as text, body chunks concatenated, ends as markers. */
class Recorder {
  readonly events: Array<string | Error> = [];
  body: Buffer[] = [];
  onData: ((line: SmtpLine) => void) | undefined;
  frame(frame: SmtpFrame): void {
    if (frame instanceof SmtpLine) {
      this.flushBody();
      this.events.push(`line:${frame.text}`);
      if (frame.opensData) this.onData?.(frame);
    } else if (frame instanceof DataEnd) {
      this.flushBody();
      this.events.push(`end:${frame.bareLineEnds}`);
    } else {
      // Copies: views are only valid for the call.
      this.body.push(Buffer.from(frame));
    }
  }
  frameError(error: Error): void {
    this.flushBody();
    this.events.push(error);
  }
  flushBody(): void {
    if (this.body.length > 0) this.events.push(`body:${Buffer.concat(this.body).toString('latin1')}`);
    this.body = [];
  }
}

function feed(decoder: Decoder, recorder: Recorder, chunks: Array<string | Buffer>): void {
  for (const chunk of chunks) decoder.decode(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk, recorder);
  recorder.flushBody();
}

/** Every way of cutting `text` in two, and byte by byte. */
function splits(text: string): string[][] {
  const out: string[][] = [[...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

/** Decodes a DATA exchange: the DATA line, accepted, then `body` cut as `parts`. */
function dataExchange(parts: string[]): Array<string | Error> {
  const decoder = smtpCodec().createDecoder();
  const recorder = new Recorder();
  recorder.onData = (line) => line.input.acceptData();
  feed(decoder, recorder, ['DATA\r\n', ...parts]);
  return recorder.events;
}

describe('smtpCodec', () => {
  it('reads command lines ending in CRLF or LF, in any chunking', () => {
    for (const parts of splits('EHLO a\r\nNOOP\nMAIL FROM:<a@b>\r\n')) {
      const recorder = new Recorder();
      feed(smtpCodec().createDecoder(), recorder, parts);
      expect(recorder.events).toEqual(['line:EHLO a', 'line:NOOP', 'line:MAIL FROM:<a@b>']);
    }
  });

  it('stops after DATA and reads the message once the session accepts it', () => {
    const decoder = smtpCodec().createDecoder();
    const recorder = new Recorder();
    let input: SmtpInput | undefined;
    recorder.onData = (line) => (input = line.input);
    feed(decoder, recorder, ['DATA\r\n']);
    expect(decoder.mode).toBe('data-pending');
    input!.acceptData();
    expect(decoder.mode).toBe('data');
    feed(decoder, recorder, ['Subject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n']);
    expect(recorder.events).toEqual(['line:DATA', 'body:Subject: x\r\n\r\nhello\r\n', 'end:0', 'line:QUIT']);
    expect(decoder.mode).toBe('command');
  });

  it('finds CRLF.CRLF across every chunking, un-stuffs dots, and keeps reading commands after it', () => {
    const wire = 'a\r\n..b\r\n...\r\n.c\r\n\r\n.\r\nRSET\r\n';
    for (const parts of splits(wire)) {
      expect(dataExchange(parts)).toEqual(['line:DATA', 'body:a\r\n.b\r\n..\r\nc\r\n\r\n', 'end:0', 'line:RSET']);
    }
  });

  it('ends an empty message at once, and the terminator may be the whole read', () => {
    expect(dataExchange(['.\r\n'])).toEqual(['line:DATA', 'end:0']);
    expect(dataExchange(['x\r\n', '.\r\n'])).toEqual(['line:DATA', 'body:x\r\n', 'end:0']);
  });

  it('takes only CRLF as a line start: LF.CRLF, CR.CR and LF.LF end nothing (SMTP smuggling) and are counted', () => {
    const events = dataExchange(['a\n.\r\nMAIL FROM:<x@y>\r\nb\r.\rc\n.\nd\r\n.\r\n']);
    expect(events).toEqual(['line:DATA', 'body:a\n.\r\nMAIL FROM:<x@y>\r\nb\r.\rc\n.\nd\r\n', 'end:5']);
  });

  it('counts a bare CR at the end of a read only when the next read does not start with LF', () => {
    expect(dataExchange(['a\r', '\nb\r\n.\r\n'])).toEqual(['line:DATA', 'body:a\r\nb\r\n', 'end:0']);
    expect(dataExchange(['a\r', 'b\r\n.\r\n'])).toEqual(['line:DATA', 'body:a\rb\r\n', 'end:1']);
    expect(dataExchange(['.\rb\r\n.\r\n'])).toEqual(['line:DATA', 'body:\rb\r\n', 'end:1']);
  });

  it('keeps message lines longer than 1000 bytes whole (RFC 5321 section 4.5.3.1: impose no limit)', () => {
    const long = 'x'.repeat(5000);
    expect(dataExchange([`${long}\r\n.\r\n`])).toEqual(['line:DATA', `body:${long}\r\n`, 'end:0']);
  });

  it('answers bytes sent after DATA before its reply with a synchronization error, same read or later', () => {
    const same = smtpCodec().createDecoder();
    const recorder = new Recorder();
    expect(() => feed(same, recorder, ['DATA\r\nSubject: x\r\n'])).toThrow(SmtpSynchronizationError);
    expect(recorder.events).toEqual(['line:DATA']);
    // Failed: the decoder only rethrows.
    expect(() => same.decode(Buffer.from('NOOP\r\n'), recorder)).toThrow(SmtpSynchronizationError);

    // Also when the session accepted DATA synchronously, inside the DATA line's own frame call.
    const eager = smtpCodec().createDecoder();
    const accepting = new Recorder();
    accepting.onData = (line) => line.input.acceptData();
    expect(() => feed(eager, accepting, ['DATA\r\nSubject: x\r\n.\r\n'])).toThrow(SmtpSynchronizationError);
    expect(accepting.events).toEqual(['line:DATA']);

    const later = smtpCodec().createDecoder();
    feed(later, new Recorder(), ['DATA\r\n']);
    expect(() => later.decode(Buffer.from('x'), new Recorder())).toThrow(SmtpSynchronizationError);
  });

  it('reads commands again after rejectData, and refuses a verdict given twice', () => {
    const decoder = smtpCodec().createDecoder();
    const recorder = new Recorder();
    recorder.onData = (line) => line.input.rejectData();
    feed(decoder, recorder, ['DATA\r\n']);
    feed(decoder, recorder, ['RSET\r\nDATA\r\n']);
    expect(recorder.events).toEqual(['line:DATA', 'line:RSET', 'line:DATA']);
    expect(() => decoder.rejectData()).toThrow(expect.objectContaining({ code: 'TORSION_ERR_SMTP_INPUT' }));
  });

  it('reads a DATA line as a SASL response while one is expected', () => {
    const decoder = smtpCodec().createDecoder();
    const recorder = new Recorder();
    decoder.saslResponseExpected = true;
    feed(decoder, recorder, ['DATA\r\nNOOP\r\n']);
    expect(recorder.events).toEqual(['line:DATA', 'line:NOOP']);
    expect(decoder.mode).toBe('command');
  });

  it('drops an overlong command line as it arrives, reports it in its place, and goes on', () => {
    for (const split of [1, 7, 600]) {
      const decoder = smtpCodec({ maxCommandLength: 512 }).createDecoder();
      const recorder = new Recorder();
      const wire = `NOOP\r\n${'A'.repeat(2000)}\r\nQUIT\r\n`;
      const parts: string[] = [];
      for (let i = 0; i < wire.length; i += split) parts.push(wire.slice(i, i + split));
      feed(decoder, recorder, parts);
      expect(recorder.events[0]).toBe('line:NOOP');
      expect(recorder.events[1]).toBeInstanceOf(FrameTooLargeError);
      expect(recorder.events[2]).toBe('line:QUIT');
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  it('accepts a line of exactly maxCommandLength and holds at most that much', () => {
    const decoder = smtpCodec({ maxCommandLength: 512 }).createDecoder();
    const recorder = new Recorder();
    const line = `NOOP ${'x'.repeat(507)}`;
    feed(decoder, recorder, [line, '\r']);
    expect(decoder.bufferedBytes).toBe(513);
    feed(decoder, recorder, ['\n']);
    expect(recorder.events).toEqual([`line:${line}`]);
  });

  it('encodes replies with CRLF, multi-line replies line by line', () => {
    const out: Array<string | Buffer> = [];
    smtpCodec().encode('250 ok', out);
    smtpCodec().encode(['250-a', '250 b'], out);
    expect(out.join('')).toBe('250 ok\r\n250-a\r\n250 b\r\n');
    expect(() => smtpCodec().encode(42 as never, [])).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
    expect(() => smtpCodec({ maxCommandLength: 100 })).toThrow(expect.objectContaining({ code: 'TORSION_ERR_INVALID_OPTION' }));
  });
});
