import { unstorableTextAt } from './text';

describe('unstorableTextAt: text PostgreSQL cannot store', () => {
  it('finds a NUL or a lone surrogate in any string or key, and names where', () => {
    expect(unstorableTextAt({ corrections: { address: 'abc\u0000def' } })).toBe('corrections.address');
    expect(unstorableTextAt({ documents: [{ reference: 'ok' }, { reference: 'x\ud800' }] })).toBe('documents.1.reference');
    expect(unstorableTextAt({ note: '\udc00 trailing half' })).toBe('note');
    expect(unstorableTextAt({ ['k\u0000']: 1 })).toBe('k\u0000');
    expect(unstorableTextAt('\u0000')).toBe('');
  });

  it('accepts everything else: Persian text, emoji (whole surrogate pairs), other control characters', () => {
    expect(unstorableTextAt({ address: 'تهران، خیابان آزادی ۱۲', emoji: '😀', tab: 'a\tb\u0001', n: 1, none: null })).toBeUndefined();
    expect(unstorableTextAt([[[{ deep: '😀😀' }]]])).toBeUndefined();
  });
});
