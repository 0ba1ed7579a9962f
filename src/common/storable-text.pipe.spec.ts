import { BadRequestException } from '@nestjs/common';
import { firstUnstorable, StorableTextPipe } from './storable-text.pipe';

describe('StorableTextPipe', () => {
  const pipe = new StorableTextPipe();
  const body = { type: 'body' as const };

  it.each([
    ['NUL', { email: 'a\u0000@b.io' }, 'email'],
    ['a lone high surrogate', { password: 'abc\ud800def' }, 'password'],
    ['a lone low surrogate at the start', { password: '\udc00abc' }, 'password'],
    ['NUL deep in an array', { list: ['ok', { inner: '\u0000' }] }, 'inner'],
    ['NUL in a key', { ['a\u0000']: 1 }, 'body (a key)'],
  ])('refuses %s with a 400 naming the field', (_name, value, field) => {
    expect(() => pipe.transform(value, body)).toThrow(BadRequestException);
    expect(firstUnstorable(value, 'body')).toBe(field);
  });

  it('lets storable text through unchanged: emoji (surrogate pairs), accents, CJK, empty', () => {
    const value = { email: 'zoë@例え.jp', password: 'correct 🐴 battery 🔋 staple', note: '' };
    expect(pipe.transform(value, body)).toBe(value);
  });

  it('does not look at parameters Nest does not validate (@Req and custom decorators)', () => {
    expect(pipe.transform('\u0000', { type: 'custom' })).toBe('\u0000');
  });
});
