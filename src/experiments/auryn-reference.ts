/**
 * Auryn 6f88977's learning curve on the paper's Oxford task (docs/model.md §13): MSE per block,
 * one rank, measured once by this project. Kept in one place so the `oxford` experiment and
 * `scripts/oxford.mjs` compare against the same numbers.
 */

export type AurynCurve = Readonly<Record<number, number>>;

/** Block → MSE (stats column 2). The drop after block 20 is the learning-rate decay. */
export const AURYN_OXFORD_MSE: Readonly<Record<'symmetric' | 'random', AurynCurve>> = {
  symmetric: { 0: 214.4, 1: 105.5, 2: 57.3, 3: 45.8, 4: 40.2, 5: 37.6, 6: 35.4, 7: 33.3, 8: 30.9, 10: 28.8, 12: 28.6, 15: 25.9, 20: 23.6, 21: 18.4, 22: 16.4, 24: 16.7 },
  random: { 0: 214.4, 1: 150.0, 2: 103.2, 3: 95.6, 4: 90.3, 5: 87.0, 6: 85.3, 7: 82.8, 8: 76.5, 10: 77.7, 12: 77.0, 15: 78.7 },
};
