import { SortedWordSet } from './sorted-word-set';

describe('SortedWordSet', () => {
  it('finds every word it was given, and nothing else', () => {
    const words = ['password', 'abc123', 'Zebra', 'zebra', '', 'é', '😀x', 'a', 'ab', 'b', 'password'];
    const set = new SortedWordSet(words);
    expect(set.size).toBe(new Set(words).size);
    for (const word of words) expect([word, set.has(word)]).toEqual([word, true]);
    for (const other of ['passwor', 'password1', 'Password', 'abc', 'c', 'zebras', '😀', 'a\nab', '\n']) {
      expect([other, set.has(other)]).toEqual([other, false]);
    }
  });

  it('agrees with a Set on random words (ordering by UTF-16 code units, both sides)', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const word = () => Array.from({ length: 1 + Math.floor(random() * 6) }, () => String.fromCharCode(0x30 + Math.floor(random() * 0x250))).join('');
    const words = Array.from({ length: 2000 }, word);
    const set = new SortedWordSet(words);
    const reference = new Set(words);
    for (const probe of [...words, ...Array.from({ length: 2000 }, word)]) {
      expect([probe, set.has(probe)]).toEqual([probe, reference.has(probe)]);
    }
  });

  it('is empty when given nothing, and refuses words with a newline', () => {
    expect(new SortedWordSet([]).has('')).toBe(false);
    expect(() => new SortedWordSet(['a\nb'])).toThrow(/newline/);
  });
});
