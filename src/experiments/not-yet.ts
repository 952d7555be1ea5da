/**
 * Experiments of the paper that need model knobs superspike does not have yet. They are
 * registered so `experiment --list` shows them and their claims, and they refuse to run with
 * one line naming the missing knob — never a fake result.
 */
import type { Plan, Preset } from './types.js';

function refusing(preset: Omit<Preset, 'plan' | 'judge'> & { missingKnob: string }): Preset {
  return {
    ...preset,
    plan(): Plan {
      throw new Error(`experiment ${preset.name} cannot be planned: ${preset.missingKnob}`);
    },
    judge() {
      return [];
    },
  };
}

export const regulariser = refusing({
  name: 'regulariser',
  figure: 'Fig. 8',
  summary: 'The pattern task with random feedback, sweeping the regulariser strength ρ (up to ≥ 100) and exponent a ∈ {0, 1, 2, 4}.',
  claims: [
    { id: 'regulariser-exponent', text: 'exponent a = 0 is worse than a > 0' },
    { id: 'regulariser-quiescent', text: 'ρ ≳ 100 drives the network quiescent' },
  ],
  missingKnob: 'the regulariser strength ρ, exponent a and rate-trace time constant as config keys (the model fixes λ = 1, a = 4, τ = 100 ms)',
});

export const learningRate = refusing({
  name: 'learning-rate',
  figure: 'Fig. 1',
  summary: 'A fixed learning rate vs RMSprop vs RMaxProp over r0 ∈ {10, 5, 1, 0.5, 0.1}×10⁻³.',
  claims: [
    { id: 'learning-rate-fixed-narrow', text: 'a fixed rate works only in a narrow range of r0' },
    { id: 'learning-rate-per-parameter-robust', text: 'the per-parameter schemes are far less sensitive to r0' },
  ],
  missingKnob: 'the learning-rate scheme (fixed, RMSprop, RMaxProp) with τ_rms and ε as config keys (the model always uses its max-norm normaliser)',
});
