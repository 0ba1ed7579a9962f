// The bench interleaves the sides of a comparison so that a steady drift of the machine's speed
// favours none of them (bench/turns.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { turnGroups, turnOrder, turnRatios } = require('../../bench/turns') as {
  turnOrder: (names: string[], turn: number) => string[];
  turnRatios: (product: { rps: number }[], floor: { rps: number }[]) => number[];
  turnGroups: (first: Record<string, number>, beside?: Record<string, number>) => Record<string, number>[];
};

/** The longest wait, in turns, between two turns of one side, when `names` run `turns` rounds. */
function longestWait(names: string[], turns: number): number {
  const slots = Array.from({ length: turns }, (_, t) => turnOrder(names, t)).flat();
  return Math.max(...names.map((n) => Math.max(...slots.flatMap((s, i) => (s === n ? [i] : [])).map((i, k, all) => (k ? i - all[k - 1] - 1 : 0)))));
}

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

  it('puts product and floor in a group of their own and the others two at a time', () => {
    const groups = turnGroups({ product: 1, floor: 2 }, { fastify: 3, nest: 4, passport: 5 });
    expect(groups.map((g) => Object.keys(g).join(' '))).toEqual(['product floor', 'fastify nest', 'passport']);
    expect(turnGroups({ product: 1, floor: 2 })).toEqual([{ product: 1, floor: 2 }]);
  });

  it('keeps every side of a group of two within two turns of its next, where five sides in one order wait eight', () => {
    expect(longestWait(['product', 'floor'], 4)).toBe(2);
    expect(longestWait(['product', 'floor', 'fastify', 'nest', 'passport'], 4)).toBe(8);
  });

  it('takes each product turn against the floor turn run beside it, so a slow spell of the machine shows as spread, not as a gap', () => {
    // The machine halves its speed for turns 2 and 3: both sides slow down together.
    const product = [{ rps: 900 }, { rps: 880 }, { rps: 450 }, { rps: 440 }];
    const floor = [{ rps: 1000 }, { rps: 1000 }, { rps: 500 }, { rps: 500 }];
    expect(turnRatios(product, floor)).toEqual([0.9, 0.88, 0.9, 0.88]);
  });
});
