/**
 * The error signals of docs/model.md §7.2 (E2) and §7.4 as loops over plain arrays: the output
 * error (target spikes minus own spikes, both delayed), the error events a layer emits, and how
 * uniform and symmetric feedback turn events into a hidden layer's inbox. Random feedback is a
 * kernel (`feedbackRows`). Ownership enters only through the callbacks the engine passes in.
 */
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

/** Writes the nonzero errors as (global id, value) events, ascending; returns their count. */
export function emitErrorEvents(
  f32: Float32Array, u32: Uint32Array, errAt: number, local: number, idsAt: number, valuesAt: number,
  globalOf: (local: number) => number,
): number {
  let count = 0;
  for (let kl = 0; kl < local; kl++) {
    const e = f32[errAt + kl]!;
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
