/**
 * The error signals of docs/model.md §7.2 (E2), §7.3 and §7.4 as loops over plain arrays: the
 * output error (target spikes minus own spikes, both delayed, or the classification error of a
 * window of opportunity), the error events a layer emits, and how
 * uniform and symmetric feedback turn events into a hidden layer's inbox. Random feedback is a
 * kernel (`feedbackRows`). Ownership enters only through the callbacks the engine passes in.
 */
import { SURROGATE_AT_REST } from './surrogate.js';

const f = Math.fround;

/**
 * e[kl] = (target spikes of post k) − (own spikes of post k) for this step's delayed lists, over
 * `local` posts at `errAt`. Lists hold global ids; `localOf` maps them to local indices.
 */
export function outputError(
  f32: Float32Array, u32: Uint32Array, errAt: number, local: number,
  ownIdsAt: number, ownCount: number, targetIdsAt: number, targetCount: number,
  localOf: (globalId: number) => number,
): void {
  f32.fill(0, errAt, errAt + local);
  for (let s = 0; s < ownCount; s++) {
    const kl = localOf(u32[ownIdsAt + s]!);
    f32[errAt + kl] = f(f32[errAt + kl]! - 1);
  }
  for (let s = 0; s < targetCount; s++) {
    const kl = localOf(u32[targetIdsAt + s]!);
    f32[errAt + kl] = f(f32[errAt + kl]! + 1);
  }
}

/** A hidden layer's error is what its inbox collected; the inbox starts the next step empty. */
export function takeInbox(f32: Float32Array, errAt: number, inboxAt: number, local: number): void {
  for (let kl = 0; kl < local; kl++) {
    f32[errAt + kl] = f32[inboxAt + kl]!;
    f32[inboxAt + kl] = 0;
  }
}

/**
 * Writes the nonzero errors as (global id, value) events, ascending; returns their count. With
 * `gateAt` (symmetric feedback between hidden layers, docs/model.md §7.4), each error first passes
 * its neuron's gate: with s the delayed σ' read there (the one its own eligibility uses) and
 * σ'(E_L) the surrogate at rest, the error goes on unchanged where s ≥ σ'(E_L) (the membrane
 * between rest and threshold) and times s/σ'(E_L) below rest, rounded to float32; an error the
 * gate makes 0 sends no event.
 */
export function emitErrorEvents(
  f32: Float32Array, u32: Uint32Array, errAt: number, local: number, idsAt: number, valuesAt: number,
  globalOf: (local: number) => number, gateAt: number | null = null,
): number {
  let count = 0;
  for (let kl = 0; kl < local; kl++) {
    let e = f32[errAt + kl]!;
    if (gateAt !== null) {
      const s = f32[gateAt + kl]!;
      if (s < SURROGATE_AT_REST) e = f(e * f(s / SURROGATE_AT_REST));
    }
    if (e !== 0) {
      u32[idsAt + count] = globalOf(kl);
      f32[valuesAt + count++] = e;
    }
  }
  return count;
}

/** Uniform feedback: every local post receives the sum of all events, one addition each. */
export function uniformFeedback(f32: Float32Array, valuesAt: number, events: number, inboxAt: number, local: number): void {
  for (let ev = 0; ev < events; ev++) {
    const e = f32[valuesAt + ev]!;
    for (let jl = 0; jl < local; jl++) f32[inboxAt + jl] = f(f32[inboxAt + jl]! + e);
  }
}

/**
 * Symmetric feedback of one event e: inbox[jl] += w·e with the weights from this rank's posts to
 * the event's neuron, found at `weightAt`, `weightAt + rowStep`, … (a column of the source matrix).
 */
export function symmetricFeedbackEvent(
  f32: Float32Array, inboxAt: number, local: number, weightAt: number, rowStep: number, e: number,
): void {
  for (let jl = 0, at = weightAt; jl < local; jl++, at += rowStep) {
    f32[inboxAt + jl] = f(f32[inboxAt + jl]! + f(f32[at]! * e));
  }
}

/**
 * Window states of the classification error, one per output neuron (kept in the output
 * connection's errIn, which an output layer never uses as an inbox — so snapshots carry it).
 * CLOSING_* mark a window whose last step is this one: its own spikes still count.
 */
const CLOSED = 0;
const OPEN = 1;
const OPEN_FIRED = 2;
const CLOSING = 3;
const CLOSING_FIRED = 4;

/**
 * The classification error of docs/model.md §7.3 (`trials.outputError: "classification"`, the
 * paper's window of opportunity): zero, except −1 for every own spike of an output outside a
 * window of its own, and +1 on the last step of a window in which the output did not fire.
 * Markers (the target group's events in this mode) come in pairs per trial on the labelled
 * output: the first opens its window, the second falls on the window's last step and closes it.
 * Order within a step: markers open, own spikes count, markers close — so a spike on a window's
 * first or last step is inside it.
 */
export function classificationError(
  f32: Float32Array, u32: Uint32Array, errAt: number, stateAt: number, local: number,
  ownIdsAt: number, ownCount: number, markerIdsAt: number, markerCount: number,
  localOf: (globalId: number) => number,
): void {
  f32.fill(0, errAt, errAt + local);
  for (let s = 0; s < markerCount; s++) {
    const at = stateAt + localOf(u32[markerIdsAt + s]!);
    const state = f32[at]!;
    f32[at] = state === CLOSED ? OPEN : state + (CLOSING - OPEN);
  }
  for (let s = 0; s < ownCount; s++) {
    const kl = localOf(u32[ownIdsAt + s]!);
    const state = f32[stateAt + kl]!;
    if (state === CLOSED) f32[errAt + kl] = f(f32[errAt + kl]! - 1);
    else if (state === OPEN) f32[stateAt + kl] = OPEN_FIRED;
    else if (state === CLOSING) f32[stateAt + kl] = CLOSING_FIRED;
  }
  for (let s = 0; s < markerCount; s++) {
    const kl = localOf(u32[markerIdsAt + s]!);
    const state = f32[stateAt + kl]!;
    if (state === CLOSING) f32[errAt + kl] = f(f32[errAt + kl]! + 1);
    if (state === CLOSING || state === CLOSING_FIRED) f32[stateAt + kl] = CLOSED;
  }
}
