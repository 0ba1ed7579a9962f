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

module.exports = { turnOrder };
