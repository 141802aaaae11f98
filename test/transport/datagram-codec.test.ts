import { datagramRaw, datagramUtf8, datagramJson, FrameError, FrameTooLargeError, OptionError, TorsionError } from '../../src';

describe('datagram codecs', () => {
  it('raw passes bytes through and sends Buffer, Uint8Array or string', () => {
    const codec = datagramRaw();
    const bytes = Buffer.from([0, 255, 1]);
    expect(codec.decode(bytes)).toBe(bytes);
    expect(codec.encode(new Uint8Array([1, 2]))).toEqual(Buffer.from([1, 2]));
    expect(codec.encode('hi')).toEqual(Buffer.from('hi'));
    expect(() => codec.encode(42 as never)).toThrow(TorsionError);
  });

  it('utf8 rejects invalid UTF-8 as a FrameError for that datagram', () => {
    const codec = datagramUtf8();
    expect(codec.decode(Buffer.from('héllo'))).toBe('héllo');
    expect(() => codec.decode(Buffer.from([0xff, 0xfe]))).toThrow(FrameError);
  });

  it('json decodes one value per datagram and reports malformed ones as FrameError', () => {
    const codec = datagramJson();
    expect(codec.decode(Buffer.from('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    expect(codec.encode({ a: 1 }).toString()).toBe('{"a":1}');
    expect(() => codec.decode(Buffer.from('{"a":'))).toThrow(FrameError);
    expect(() => codec.encode(undefined)).toThrow(/cannot encode undefined/);
  });

  it('checks maxSize both ways, with the numbers in the message', () => {
    const codec = datagramUtf8({ maxSize: 4 });
    expect(() => codec.decode(Buffer.from('12345'))).toThrow(new FrameTooLargeError(5, 4, 'datagram size'));
    expect(() => codec.encode('12345')).toThrow(/outgoing datagram size \(5\) exceeds the allowed maximum \(4\)/);
    expect(codec.decode(Buffer.from('1234'))).toBe('1234');
  });

  it.each([0, -1, 1.5, 70_000])('rejects maxSize %p at construction', (maxSize) => {
    expect(() => datagramJson({ maxSize })).toThrow(OptionError);
  });
});
