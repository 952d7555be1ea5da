/** Commander argument parsers shared by the commands: each rejects with a one-line reason. */
import { InvalidArgumentError } from 'commander';

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

export function parsePositiveInt(value: string): number {
  const n = parseCount(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function parseNonNegative(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0) throw new InvalidArgumentError('expected a number >= 0');
  return x;
}

export function parsePositive(value: string): number {
  const x = parseNonNegative(value);
  if (x === 0) throw new InvalidArgumentError('expected a number > 0');
  return x;
}

export function parseSeed(value: string): number {
  const n = parseCount(value);
  if (n > 0xffffffff) throw new InvalidArgumentError('expected a seed between 0 and 4294967295');
  return n;
}

/** "256,128" → [256, 128]; "" or "none" → [] (output layer only). */
export function parseSizeList(value: string): number[] {
  const v = value.trim();
  if (v === '' || v === 'none' || v === '0') return [];
  return v.split(',').map((part) => {
    if (!/^\d+$/.test(part.trim()) || Number(part) === 0) {
      throw new InvalidArgumentError(`expected comma-separated positive layer sizes like 256,128, got "${value}"`);
    }
    return Number(part);
  });
}

/** "1,2,3,8" → [1, 2, 3, 8] */
export function parseCountList(value: string): number[] {
  return value.split(',').map((part) => parsePositiveInt(part));
}
