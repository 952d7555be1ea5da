/**
 * The paper's own words beside each claim (issue 18): Zenke & Ganguli (2018), SuperSpike:
 * Supervised Learning in Multilayer Spiking Neural Networks, Neural Computation 30(6):1514–1541.
 *
 * Where its text came from: the abstract of the Neural Computation version, as the stored copies
 * of its landing pages give it (direct.mit.edu/neco/article/30/6/1514, docslib.org/doc/7076042;
 * in the arXiv version, 1705.11146, the sentence quoted here differs only by a comma). The body of
 * the paper — its sections, figure captions and numbers — could not be retrieved with this
 * project's search tools (every stored copy is served from its beginning only), so no sentence of
 * the body is quoted: a claim the abstract does not speak to keeps this project's paraphrase,
 * labelled as one, and the paper's numbers beside the claims are as this project read them,
 * unchecked. Quotations are a sentence or a clause, verbatim, with where they stand.
 */
import type { PaperClaim, PaperQuote } from './types.js';

/** The abstract's sentence on feedback, verbatim (Neural Computation version). */
export const ABSTRACT_FEEDBACK_SENTENCE =
  'Specifically, we test uniform, symmetric, and random feedback, finding that simpler tasks can be solved with any type of feedback, while more complex tasks require symmetric feedback.';

/** Every passage of the paper this project holds verbatim: quotes must be taken from these. */
export const PAPER_PASSAGES: ReadonlyArray<{ where: string; text: string }> = [
  { where: 'Abstract', text: ABSTRACT_FEEDBACK_SENTENCE },
];

/** "simpler tasks can be solved with any type of feedback" (Abstract). */
export const QUOTE_SIMPLER_ANY_FEEDBACK: PaperQuote = {
  words: 'simpler tasks can be solved with any type of feedback',
  where: 'Abstract',
  general: true,
};

/** "more complex tasks require symmetric feedback" (Abstract). */
export const QUOTE_COMPLEX_SYMMETRIC: PaperQuote = {
  words: 'more complex tasks require symmetric feedback',
  where: 'Abstract',
  general: true,
};

/**
 * The paper's words beside a claim, with where they stand, or what stands in their place
 * (results.md, claim lines, `experiment --list`). `textShown`: the claim's own sentence is
 * printed right above (the listing), so it is not repeated.
 */
export function paperWords(c: PaperClaim, textShown = false): string {
  const origin = c.origin ?? 'paper';
  if (origin === 'this project') return `not a claim of the paper: this project's question (${c.source})`;
  if (origin === 'public code') return `not a sentence of the paper: a check against the ${c.source}`;
  if (c.quote === undefined) {
    return textShown
      ? `the paper's sentence not retrieved (${c.source}); the claim above is our paraphrase`
      : `the paper's sentence not retrieved; our paraphrase of ${c.source}: ${c.text}`;
  }
  const scope = c.quote.general ? `, the paper's general statement; the sentence at ${c.source} not retrieved` : '';
  return `“${c.quote.words}” (${c.quote.where}${scope})${textShown ? '' : `; as tested: ${c.text}`}`;
}

/**
 * What stands beside a claim line: the paper's words, the test applied and the paper's number,
 * one item each (`experiment --list` with `textShown`, the claim lines of a run, report.html).
 */
export function claimContext(c: PaperClaim, textShown = false): string[] {
  const lines = [`paper: ${paperWords(c, textShown)}`, `test: ${c.test}`];
  if (c.paperNumber !== undefined) lines.push(`paper's number (as we read it, unchecked against its text): ${c.paperNumber}`);
  return lines;
}
