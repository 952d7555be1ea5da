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

export const xor = refusing({
  name: 'xor',
  figure: 'Fig. 5',
  summary: 'Spiking XOR: 100 inputs (a timing reference and two "bits"), 4 patterns in random order over a 4 Hz background, 100→4→2, window-of-opportunity readout.',
  claims: [
    { id: 'xor-no-hidden-fails', text: 'without a hidden layer the network cannot solve XOR' },
    { id: 'xor-random-perfect', text: 'random feedback reaches perfect accuracy' },
    { id: 'xor-uniform-worse', text: 'uniform feedback is worse on average' },
  ],
  missingKnob: 'trial-based tasks (stimuli in random order with random gaps over a background rate) and the window-of-opportunity readout',
});
