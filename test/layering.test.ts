/**
 * The layering of ../README.md "Layout": every relative import in src/ points to the same floor
 * or one below, never up. A new folder must be given a floor here, so nothing escapes the check.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../src');

/** Floors from the ground up; a file's floor is that of its top folder under src/. */
const FLOORS: Record<string, number> = {
  // ground: pure kernels and constants, task generation, the MPI binding, shared error types
  model: 0, tasks: 0, mpi: 0, 'errors.ts': 0, 'paths.ts': 0,
  // the network's shape as pure data
  network: 1,
  // file formats
  io: 2,
  // config schema, loading and limits
  config: 3,
  engine: 4,
  // tools
  experiments: 5, bench: 5, export: 5, report: 5,
  // faces
  api: 6, cli: 6, 'index.ts': 6,
};

function floorOf(file: string): number {
  const top = path.relative(SRC, file).split(path.sep)[0]!;
  const floor = FLOORS[top];
  if (floor === undefined) throw new Error(`src/${top} has no floor in test/layering.test.ts: add it to FLOORS`);
  return floor;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('layering', () => {
  it('no import in src/ points up a floor', () => {
    const files = sources(SRC);
    let imports = 0;
    const upward: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        imports++;
        const target = path.resolve(path.dirname(file), m[1]!).replace(/\.js$/, '.ts');
        if (floorOf(target) > floorOf(file)) upward.push(`${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
      }
    }
    // Refuse a vacuous pass: the tree has well over a hundred files and their imports.
    expect(files.length).toBeGreaterThan(100);
    expect(imports).toBeGreaterThan(500);
    expect(upward).toEqual([]);
  });

  it('would notice an upward import', () => {
    expect(floorOf(path.join(SRC, 'io/ras.ts'))).toBeLessThan(floorOf(path.join(SRC, 'config/load.ts')));
    expect(floorOf(path.join(SRC, 'network/layout.ts'))).toBeLessThan(floorOf(path.join(SRC, 'io/netstate.ts')));
    expect(() => floorOf(path.join(SRC, 'nowhere/x.ts'))).toThrow(/no floor/);
  });
});
