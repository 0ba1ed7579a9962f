// The order in which the sides of a comparison take their turns.

/**
 * Turn `turn` (0, 1, 2, ...) runs the sides in their order, the next one in reverse (A B C,
 * C B A, A B C, ...). Over an even number of turns every side then has the same mean position
 * in time, so a machine that speeds up or slows down steadily during the comparison favours
 * none of them; with the same order every turn, the first side is always measured earliest.
 */
function turnOrder(names, turn) {
  return turn % 2 ? [...names].reverse() : [...names];
}

/**
 * The groups that take their turns together: `first` (product and floor) on its own, then the
 * sides `beside` it (rungs, peers) two at a time, each an object name → what the measure takes.
 * In a group of two, turns run A B B A A B ...: no side waits more than two turns for its next,
 * where five sides in one reversing order left the ends idle for eight.
 */
function turnGroups(first, beside = {}) {
  const entries = Object.entries(beside);
  const pairs = [];
  for (let i = 0; i < entries.length; i += 2) pairs.push(Object.fromEntries(entries.slice(i, i + 2)));
  return [first, ...pairs];
}

/**
 * Product against floor turn by turn: turn i of each side ran next to the other's turn i (A B,
 * then B A), so a turn's ratio is taken under nearly the same machine. The spread of these says
 * how far the machine's noise moves a comparison; the headline ratio stays the ratio of means.
 */
function turnRatios(productTurns, floorTurns, key = 'rps') {
  return productTurns.map((turn, i) => Math.round((turn[key] / floorTurns[i][key]) * 100) / 100);
}

module.exports = { turnGroups, turnOrder, turnRatios };
