/**
 * The paper beside each claim (issue 18, src/experiments/paper.ts): a quotation is verbatim — a
 * clause of a passage this project holds of the paper, attributed — and short; a claim without one
 * is shown as our paraphrase; this project's own questions are never passed off as the paper's.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/experiments/index.js';
import { PAPER_PASSAGES, claimContext, paperWords } from '../src/experiments/paper.js';
import { reportHtml, resultsMarkdown } from '../src/experiments/results.js';
import type { Plan } from '../src/experiments/types.js';

const claims = PRESETS.flatMap((p) => p.claims.map((c) => ({ preset: p, claim: c })));

describe('the paper beside each claim', () => {
  it('quotes only words the paper holds, where they stand, one clause or sentence at a time', () => {
    const quoted = claims.filter(({ claim }) => claim.quote !== undefined);
    expect(quoted.length).toBeGreaterThan(0);
    for (const { claim } of quoted) {
      const q = claim.quote!;
      const passage = PAPER_PASSAGES.find((p) => p.where === q.where && p.text.includes(q.words));
      expect(passage, `${claim.id}: "${q.words}" (${q.where})`).toBeDefined();
      expect(q.words.length).toBeLessThanOrEqual(300);
      expect(q.words).not.toMatch(/\.\s+\S/); // one sentence at most
      expect(paperWords(claim)).toContain(`“${q.words}” (${q.where}`);
    }
  });

  it('labels every other claim of the paper as our paraphrase, and our own questions as ours', () => {
    for (const { claim } of claims) {
      const words = paperWords(claim);
      if (claim.origin === 'this project') expect(words).toMatch(/^not a claim of the paper/);
      else if (claim.origin === 'public code') expect(words).toMatch(/^not a sentence of the paper/);
      else if (claim.quote === undefined) {
        expect(words).toBe(`the paper's sentence not retrieved; our paraphrase of ${claim.source}: ${claim.text}`);
        expect(paperWords(claim, true)).toBe(`the paper's sentence not retrieved (${claim.source}); the claim above is our paraphrase`);
      }
    }
    for (const name of ['sequence', 'depth']) {
      for (const c of PRESETS.find((p) => p.name === name)!.claims) expect(c.origin, c.id).toBe('this project');
    }
    for (const c of PRESETS.find((p) => p.name === 'oxford')!.claims) expect(c.origin, c.id).toBe('public code');
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
    expect(md).toContain('“simpler tasks can be solved with any type of feedback” (Abstract');
    for (const c of preset.claims) expect(claimContext(c)[0]).toBe(`paper: ${paperWords(c)}`);
    const html = reportHtml(preset, plan, [], results);
    expect(html).toContain('paper: “simpler tasks can be solved with any type of feedback” (Abstract');
    expect(html).toContain(`test: ${preset.claims[0]!.test}`);
  });
});
