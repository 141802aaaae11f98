import { ircEquals, ircFold } from 'torsion/irc';

describe('rfc1459 case mapping', () => {
  it('folds A-Z and []\\^ to a-z and {}|~, nothing else', () => {
    expect(ircFold('Ann[1]\\^')).toBe('ann{1}|~');
    expect(ircFold('already{lower}|~')).toBe('already{lower}|~');
    expect(ircFold('#Été_-')).toBe('#Été_-'.replace('#É', '#É')); // non-ASCII is left as it is
    expect(ircEquals('NiCk[x]', 'nick{X}')).toBe(true);
    expect(ircEquals('nick', 'nick_')).toBe(false);
  });
});
