/**
 * The paper's own words beside each claim (issue 18): Zenke & Ganguli (2018), SuperSpike:
 * Supervised Learning in Multilayer Spiking Neural Networks, Neural Computation 30(6):1514–1541,
 * published under CC BY 4.0.
 *
 * Where its text came from: a stored text copy of the Neural Computation article (its first page
 * carries the journal's citation, doi:10.1162/neco_a_01086, and the licence), read through this
 * project's search tools on 3 Dec 2026 — earlier sessions had only the abstract. The passages below
 * are the paper's sentences verbatim, with where they stand; the copy is a PDF extraction, and the
 * spaces it dropped ("Anetwork", "Simulationswith") are restored, nothing else. r0 is the paper's
 * r with subscript 0, nh its n with subscript h, 10−3 its 10 to the power −3. A quotation is a
 * clause or a sentence of one passage; the test (test/paper-quotes.test.ts) holds every quotation
 * to a passage, and every claim of the paper to a quotation.
 */
import type { PaperClaim, PaperQuote } from './types.js';

/** Every passage of the paper this project holds verbatim: quotes must be taken from these. */
export const PAPER_PASSAGES: ReadonlyArray<{ where: string; text: string }> = [
  {
    where: 'Abstract',
    text: 'Specifically, we test uniform, symmetric, and random feedback, finding that simpler tasks can be solved with any type of feedback, while more complex tasks require symmetric feedback.',
  },
  {
    where: 'Fig. 1 caption',
    text: 'We find that while good learning performance can be achieved with all strategies, a fixed learning rate leads to good results only within a narrow regime of r0 values (left), whereas both RMSprop (middle) and RMaxProp (right) are less sensitive to the choice of r0.',
  },
  { where: 'Fig. 2 caption', text: 'SuperSpike learns precisely timed output spikes for a single output neuron.' },
  {
    where: '§4',
    text: 'After 500 trials, corresponding to 250 s of simulated time, the output neuron had learned to produce the desired output spike train (see Figure 2b).',
  },
  {
    where: '§4.1',
    text: 'These were the cases in which all feedback connections happened to be initialized with a negative value (see Figure 4c).',
  },
  {
    where: '§4.1',
    text: 'This eventuality could be made very unlikely, however, by increasing in the number of hidden units (see Figure 4c).',
  },
  {
    where: '§4.1',
    text: 'Other than that, we did not find any striking differences in performance when we replaced the random feedback connections by symmetric (see Figure 4d) or uniform “all one” feedback weights (see Figure 4e).',
  },
  {
    where: '§4.1',
    text: 'A network with random feedback quickly learned to solve this task with perfect accuracy (see Figures 5b and 5c), whereas a network without hidden units was unable to solve the task (see Figure 5d).',
  },
  {
    where: '§4.1',
    text: 'Perhaps not surprising, networks with symmetric feedback connections also learned the task quickly, and overall their learning curves were more stereotyped and less noisy (see Figure 5e), whereas networks with uniform feedback performed worse on average (see Figure 5f).',
  },
  {
    where: '§4.2',
    text: 'After successful learning, hidden unit activity was irregular and at intermediate firing rates of 10 to 20 Hz with a close to exponential interspike interval distribution (see Figure 6d).',
  },
  {
    where: 'Fig. 6 caption',
    text: '(c) Snapshot of network activity of a network with nh = 32 hidden units and symmetric feedback after 1000 s of SuperSpike learning.',
  },
  { where: '§4.2', text: 'As expected, results from uniform feedback were worst (not shown); hence, we do not consider this option in the following.' },
  {
    where: '§4.2',
    text: 'Since we observed abnormally high firing rates in hidden-layer neurons in networks trained with random feedback (see Figure 7e), we wondered whether performance could be improved through the addition of a heterosynaptic weight decay which acts as an activity regularizer (see section 3 and appendix A; Zenke et al., 2015).',
  },
  { where: 'Fig. 7 caption', text: '(d) Snapshots of network activity after learning for symmetric feedback (nh = 256).' },
  {
    where: '§4.2',
    text: 'The addition of an activity-dependent heterosynaptic weight decay term to the hidden-layer learning rule notably decreased hidden-layer activity (see Figures 7f and 8), improved learning performance (see Figures 7a and 7c), and increased the visual similarity of the output patterns (see Figure 7f).',
  },
  {
    where: '§4.2',
    text: 'Importantly, for the hidden-layer sizes we tested, random feedback networks did not even achieve the same performance levels as networks without a hidden layer, whereas symmetric feedback networks did (see Figures 7b and 7c).',
  },
  {
    where: '§4.2',
    text: 'Not surprisingly, networks with wider hidden layers performed superior to networks with fewer hidden units, but networks with random feedback performed consistently worse than their counterparts trained with symmetric feedback (see Figure 7b).',
  },
  {
    where: 'Fig. 8 caption',
    text: '(a) Network performance after training on the task shown in Figure 7 using random feedback (r0 = 10−3) as a function of regularization strength ρ.',
  },
  {
    where: 'Fig. 8 caption',
    text: 'Note that without activity dependence (a = 0), the network performs consistently worse than networks with an activity-dependent regularizer.',
  },
  {
    where: 'Fig. 8 caption',
    text: 'For activity-dependent regularizers (a > 0), there exists an optimal range for the regularization strength ρ that minimizes the final cost.',
  },
  {
    where: 'Fig. 8 caption',
    text: 'Simulations with ρ > 100 and a = 0 typically resulted in a quiescent network state with strong negative synapses from which the network did not recover.',
  },
];

const quote = (words: string, where: string): PaperQuote => ({ words, where });

/** Fig. 1: the fixed rate. */
export const QUOTE_FIXED_NARROW = quote('a fixed learning rate leads to good results only within a narrow regime of r0 values', 'Fig. 1 caption');
/** Fig. 1: the per-parameter schemes. */
export const QUOTE_PER_PARAMETER_ROBUST = quote('both RMSprop (middle) and RMaxProp (right) are less sensitive to the choice of r0', 'Fig. 1 caption');
/** Fig. 2: one neuron learns within 500 trials. */
export const QUOTE_SINGLE_NEURON_500 = quote('After 500 trials, corresponding to 250 s of simulated time, the output neuron had learned to produce the desired output spike train', '§4');
/** Fig. 2: the figure's own statement (its cost curve, Fig. 2d, has no sentence of its own). */
export const QUOTE_SINGLE_NEURON_LEARNS = quote('SuperSpike learns precisely timed output spikes for a single output neuron', 'Fig. 2 caption');
/** Fig. 4: the types of feedback all learn. */
export const QUOTE_NO_STRIKING_DIFFERENCE = quote('we did not find any striking differences in performance when we replaced the random feedback connections by symmetric (see Figure 4d) or uniform “all one” feedback weights', '§4.1');
/** Fig. 4c: complete failures. */
export const QUOTE_ALL_NEGATIVE = quote('These were the cases in which all feedback connections happened to be initialized with a negative value', '§4.1');
/** Fig. 4c: more hidden units. */
export const QUOTE_MORE_HIDDEN_UNITS = quote('This eventuality could be made very unlikely, however, by increasing in the number of hidden units', '§4.1');
/** Fig. 5: random feedback solves XOR. */
export const QUOTE_XOR_RANDOM_PERFECT = quote('A network with random feedback quickly learned to solve this task with perfect accuracy', '§4.1');
/** Fig. 5d: no hidden layer. */
export const QUOTE_XOR_NO_HIDDEN = quote('a network without hidden units was unable to solve the task', '§4.1');
/** Fig. 5f: uniform feedback. */
export const QUOTE_XOR_UNIFORM = quote('networks with uniform feedback performed worse on average', '§4.1');
/** Fig. 6d: the hidden rates (the network of Fig. 6c: nh = 32). */
export const QUOTE_RATES_10_20 = quote('hidden unit activity was irregular and at intermediate firing rates of 10 to 20 Hz with a close to exponential interspike interval distribution', '§4.2');
/** Fig. 7: uniform feedback. */
export const QUOTE_UNIFORM_WORST = quote('As expected, results from uniform feedback were worst (not shown)', '§4.2');
/** Fig. 7e: random feedback's rates (Fig. 7d–e: nh = 256). */
export const QUOTE_ABNORMAL_RATES = quote('we observed abnormally high firing rates in hidden-layer neurons in networks trained with random feedback (see Figure 7e)', '§4.2');
/** Fig. 7a, c: the regulariser helps. */
export const QUOTE_REGULARISER_HELPS = quote('The addition of an activity-dependent heterosynaptic weight decay term to the hidden-layer learning rule notably decreased hidden-layer activity (see Figures 7f and 8), improved learning performance (see Figures 7a and 7c)', '§4.2');
/** Fig. 7b–c: against no hidden layer. */
export const QUOTE_AGAINST_NO_HIDDEN = quote('random feedback networks did not even achieve the same performance levels as networks without a hidden layer, whereas symmetric feedback networks did', '§4.2');
/** Fig. 7b: width. */
export const QUOTE_WIDER_BETTER = quote('Not surprisingly, networks with wider hidden layers performed superior to networks with fewer hidden units', '§4.2');
/** Fig. 8a: the exponent. */
export const QUOTE_EXPONENT = quote('without activity dependence (a = 0), the network performs consistently worse than networks with an activity-dependent regularizer', 'Fig. 8 caption');
/** Fig. 8a: an optimal range of ρ for a > 0. */
export const QUOTE_OPTIMAL_RANGE = quote('For activity-dependent regularizers (a > 0), there exists an optimal range for the regularization strength ρ that minimizes the final cost', 'Fig. 8 caption');
/** Fig. 8: quiescence, for a = 0. */
export const QUOTE_QUIESCENT = quote('Simulations with ρ > 100 and a = 0 typically resulted in a quiescent network state with strong negative synapses from which the network did not recover', 'Fig. 8 caption');

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
      ? `the paper's sentence not quoted (${c.source}); the claim above is our paraphrase`
      : `the paper's sentence not quoted; our paraphrase of ${c.source}: ${c.text}`;
  }
  return `“${c.quote.words}” (${c.quote.where})${textShown ? '' : `; as tested: ${c.text}`}`;
}

/**
 * What stands beside a claim line: the paper's words, the test applied and the paper's number,
 * one item each (`experiment --list` with `textShown`, the claim lines of a run, report.html).
 */
export function claimContext(c: PaperClaim, textShown = false): string[] {
  const lines = [`paper: ${paperWords(c, textShown)}`, `test: ${c.test}`];
  if (c.paperNumber !== undefined) lines.push(`paper's number: ${c.paperNumber}`);
  return lines;
}
