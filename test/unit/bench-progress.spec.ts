// The bench's progress line formats durations as m:ss.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fmt } = require('../../bench/progress') as { fmt: (seconds: number) => string };

describe('bench progress', () => {
  it('formats seconds as m:ss, carrying a rounded-up minute', () => {
    expect(fmt(0)).toBe('0:00');
    expect(fmt(61.2)).toBe('1:01');
    expect(fmt(59.6)).toBe('1:00');
    expect(fmt(899.6)).toBe('15:00');
  });
});
