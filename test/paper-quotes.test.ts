/**
 * The paper beside each claim (issue 18, src/experiments/paper.ts): every claim of the paper quotes
 * the paper — a clause of a passage this project holds verbatim, with where it stands — and the
 * quotation is short; this project's own questions are never passed off as the paper's.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/experiments/index.js';
import { PAPER_PASSAGES, claimContext, paperWords } from '../src/experiments/paper.js';
import { reportHtml, resultsMarkdown } from '../src/experiments/results.js';
import type { Plan } from '../src/experiments/types.js';

const claims = PRESETS.flatMap((p) => p.claims.map((c) => ({ preset: p, claim: c })));

describe('the paper beside each claim', () => {
  it('quotes every claim of the paper, only with words the paper holds, where they stand, one clause or sentence at a time', () => {
    const ofPaper = claims.filter(({ claim }) => (claim.origin ?? 'paper') === 'paper');
    expect(ofPaper.length).toBeGreaterThanOrEqual(19);
    for (const { claim } of ofPaper) {
      expect(claim.quote, `${claim.id} quotes the paper`).toBeDefined();
      const q = claim.quote!;
      const passage = PAPER_PASSAGES.find((p) => p.where === q.where && p.text.includes(q.words));
      expect(passage, `${claim.id}: "${q.words}" (${q.where})`).toBeDefined();
      expect(q.words.length).toBeLessThanOrEqual(300);
      expect(q.words).not.toMatch(/\.\s+\S/); // one sentence at most
      expect(paperWords(claim)).toBe(`“${q.words}” (${q.where}); as tested: ${claim.text}`);
      expect(paperWords(claim, true)).toBe(`“${q.words}” (${q.where})`);
    }
    // A passage is one sentence of the paper, and no two hold the same words.
    for (const p of PAPER_PASSAGES) expect(p.text, p.where).toMatch(/^[^]*[.)]$/);
    expect(new Set(PAPER_PASSAGES.map((p) => p.text)).size).toBe(PAPER_PASSAGES.length);
  });

  it('labels this project\'s own questions and the checks against the public code as such', () => {
    for (const { claim } of claims) {
      const words = paperWords(claim);
      if (claim.origin === 'this project') expect(words).toMatch(/^not a claim of the paper/);
      else if (claim.origin === 'public code') expect(words).toMatch(/^not a sentence of the paper/);
    }
    for (const name of ['sequence', 'depth']) {
      for (const c of PRESETS.find((p) => p.name === name)!.claims) expect(c.origin, c.id).toBe('this project');
    }
    for (const c of PRESETS.find((p) => p.name === 'oxford')!.claims) expect(c.origin, c.id).toBe('public code');
  });

  it('gives the paper\'s number only where its text gives one', () => {
    const numbered = claims.filter(({ claim }) => claim.paperNumber !== undefined);
    expect(numbered.map(({ claim }) => claim.id).sort()).toEqual([
      'pattern-symmetric-rates', 'regulariser-quiescent', 'single-neuron-learns', 'xor-random-perfect',
    ]);
    for (const { claim } of numbered) expect(claimContext(claim)).toContain(`paper's number: ${claim.paperNumber}`);
  });

  it('puts the paper\'s words, the test, the paper\'s number and ours side by side in results.md', () => {
    const preset = PRESETS.find((p) => p.name === 'hidden-layer')!;
    const plan: Plan = { conditions: [], runs: [], notes: [], references: [] };
    const results = preset.claims.map((c) => ({ id: c.id, status: 'holds' as const, numbers: `ours for ${c.id}` }));
    const md = resultsMarkdown(preset, plan, [], results, 0);
    for (const c of preset.claims) {
      const row = md.split('\n').find((l) => l.startsWith(`| \`${c.id}\` |`))!;
      expect(row).toContain(paperWords(c));
      expect(row).toContain(c.test);
      expect(row).toContain(c.paperNumber ?? '—');
      expect(row).toContain(`ours for ${c.id}`);
    }
    expect(md).toContain('“we did not find any striking differences in performance when we replaced the random feedback connections by symmetric (see Figure 4d) or uniform “all one” feedback weights” (§4.1)');
    for (const c of preset.claims) expect(claimContext(c)[0]).toBe(`paper: ${paperWords(c)}`);
    const html = reportHtml(preset, plan, [], results);
    expect(html).toContain('paper: “These were the cases in which all feedback connections happened to be initialized with a negative value” (§4.1)');
    expect(html).toContain(`test: ${preset.claims[0]!.test}`);
  });
});
