import { Module, OnData, Protocol, TorsionError, type Codec } from '../../src';
import { createTestingApp } from '../../src/testing';

// A custom decoder that throws something other than an Error: the connection closes with a
// TorsionError (TORSION_ERR_DECODER) carrying the thrown value, never a bare Error.
const throwsAString: Codec<Buffer, Buffer> = {
  name: 'throws-a-string',
  createDecoder: () => ({
    bufferedBytes: 0,
    decode(): void {
      throw 'no frames today';
    },
  }),
  encode: (value, out) => void out.push(value),
};

@Protocol({ codec: throwsAString })
class Victim {
  @OnData() data(): void {}
}
@Module({ protocols: [Victim] })
class M {}

test('a decoder that throws a non-Error closes the connection with a TORSION_ERR_DECODER TorsionError', async () => {
  const t = createTestingApp(M);
  try {
    const c = t.connect(Victim);
    c.send('x');
    expect(c.closeReason?.kind).toBe('error');
    const error = c.closeReason?.error;
    expect(error).toBeInstanceOf(TorsionError);
    expect(error).toMatchObject({ code: 'TORSION_ERR_DECODER', cause: 'no frames today' });
  } finally {
    await t.close();
  }
});
