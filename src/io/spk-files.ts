/**
 * Rank file sets: `<group>.<rank>.spk` names (Auryn's convention), the files of a group that
 * exist, and command-line names expanded to them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';

/**
 * Resolves command-line names to spike files: an existing file is taken as is; a name without
 * `.spk` stands for its rank files `<name>.<r>.spk` (in rank order) when those exist.
 */
export function expandSpkArgs(args: readonly string[]): string[] {
  const result: string[] = [];
  for (const arg of args) {
    if (!arg.endsWith('.spk')) {
      const ranks = spkRankFiles(arg);
      if (ranks.length > 0) {
        result.push(...ranks);
        continue;
      }
    }
    if (!fs.existsSync(arg)) {
      const hint = arg.endsWith('.spk') ? '' : ` (nor ${arg}.<rank>.spk)`;
      throw new UserError(`no such spike file: ${arg}${hint}`);
    }
    result.push(arg);
  }
  return result;
}

/** The name of rank `rank`'s spike file of a group: `<spkName>.<rank>.spk` (Auryn's convention). */
export function spkRankFileName(spkName: string, rank: number): string {
  return `${spkName}.${rank}.spk`;
}

/** `<prefix>.<rank>.spk` files that exist, in rank order. */
export function spkRankFiles(prefix: string): string[] {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found: Array<[number, string]> = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !name.endsWith('.spk')) continue;
    const rank = name.slice(base.length + 1, -4);
    if (/^\d+$/.test(rank)) found.push([Number(rank), path.join(dir, name)]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, p]) => p);
}

