/**
 * Seeded random numbers.
 *
 * Two kinds, both pure functions of their inputs:
 * - `counterNormal(seed, stream, a, b)`: a counter-based draw, so that synapse (a, b) of stream
 *   `stream` gets the same value whatever the partition or the order of evaluation (docs/model.md §5.3).
 * - `Xoshiro128`: a small sequential generator for task generation (Poisson input, jitter).
 */

/** murmur3's 32-bit finaliser: a cheap bijective mixer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a tuple of 32-bit integers to one 32-bit value. */
export function hash32(seed: number, a: number, b: number, c: number): number {
  let h = fmix32((seed ^ 0x9e3779b9) >>> 0);
  h = fmix32((h ^ Math.imul(a + 1, 0x27d4eb2f)) >>> 0);
  h = fmix32((h ^ Math.imul(b + 1, 0x165667b1)) >>> 0);
  h = fmix32((h ^ Math.imul(c + 1, 0x61c88647)) >>> 0);
  return h;
}

/** Uniform in (0, 1), never exactly 0 or 1: 24 random bits plus half an ulp. */
export function toUnitOpen(u32: number): number {
  return ((u32 >>> 8) + 0.5) / 16777216;
}

/**
 * Standard normal for the counter (seed, stream, a, b), by Box–Muller on two hashed uniforms.
 * Uses only `Math.log`, `Math.sqrt`, `Math.cos`, which V8 computes identically on every thread.
 */
export function counterNormal(seed: number, stream: number, a: number, b: number): number {
  const h1 = hash32(seed, stream, a, b);
  const h2 = fmix32((h1 ^ 0x68e31da4) >>> 0);
  const u1 = toUnitOpen(h1);
  const u2 = toUnitOpen(h2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** xoshiro128** by Blackman & Vigna; state seeded through splitmix-style hashing. */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    this.s0 = hash32(seed, 0, 0, 0);
    this.s1 = hash32(seed, 1, 0, 0);
    this.s2 = hash32(seed, 2, 0, 0);
    this.s3 = hash32(seed, 3, 0, 0);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned value. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in (0, 1). */
  nextUnit(): number {
    return toUnitOpen(this.nextU32());
  }

  /** Exponential with the given rate (events per unit). */
  nextExponential(rate: number): number {
    return -Math.log(this.nextUnit()) / rate;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
