// The bench interleaves the sides of a comparison so that a steady drift of the machine's speed
// favours none of them (bench/turns.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { turnOrder } = require('../../bench/turns') as { turnOrder: (names: string[], turn: number) => string[] };

/** Each side's mean throughput when the machine speeds up by one unit per turn slot. */
function underLinearDrift(names: string[], turns: number): Record<string, number> {
  const seen: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  let slot = 0;
  for (let t = 0; t < turns; t++) for (const name of turnOrder(names, t)) seen[name].push(100 + slot++);
  return Object.fromEntries(names.map((n) => [n, seen[n].reduce((a, b) => a + b, 0) / turns]));
}

describe('bench turn order', () => {
  it('reverses the order every other turn', () => {
    expect([0, 1, 2, 3].map((t) => turnOrder(['product', 'floor', 'rung'], t).join(' '))).toEqual([
      'product floor rung',
      'rung floor product',
      'product floor rung',
      'rung floor product',
    ]);
  });

  it('gives every side the same mean under a linear drift (the same order each turn would not)', () => {
    const means = underLinearDrift(['product', 'floor', 'rung', 'peer'], 4);
    expect(new Set(Object.values(means)).size).toBe(1);
    // What the order fixed before: product first every turn reads slower than the floor.
    const fixed = { product: (100 + 104 + 108 + 112) / 4, floor: (101 + 105 + 109 + 113) / 4 };
    expect(fixed.product).toBeLessThan(fixed.floor);
  });
});
