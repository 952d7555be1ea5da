#!/usr/bin/env node
// The paper's Oxford run (SPEC §8, §13), by hand — not part of CI:
//   node scripts/oxford.mjs [--blocks 10] [--workers 2] [--feedback symmetric|random] [--out output/oxford]
// Trains on ../shared/data/oxford, then prints the MSE per block next to Auryn 6f88977's figures
// and the wall time. Exits 0 without running when the data is absent.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const data = path.resolve(root, '..', 'shared', 'data', 'oxford');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
if (!existsSync(path.join(data, 'oxford-input.ras'))) {
  console.log(`oxford: ${data} not found; nothing to do`);
  process.exit(0);
}
const blocks = arg('blocks', '10');
const workers = arg('workers', '2');
const feedback = arg('feedback', 'symmetric');
const out = path.resolve(arg('out', path.join(root, 'output', 'oxford')));
const started = Date.now();
const run = spawnSync(process.execPath, [
  path.join(root, 'dist', 'src', 'cli', 'main.js'), 'run', path.join(root, 'config', 'oxford.json'),
  '--input', path.join(data, 'oxford-input.ras'), '--target', path.join(data, 'oxford-target.ras'),
  '--blocks', blocks, '--workers', workers, '--feedback', feedback, '--out', out,
], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
const wall = (Date.now() - started) / 1000;

// SPEC §13: Auryn 6f88977, one rank.
const auryn = {
  symmetric: { 0: 214.4, 1: 105.5, 2: 57.3, 3: 45.8, 4: 40.2, 5: 37.6, 6: 35.4, 7: 33.3, 8: 30.9, 10: 28.8, 12: 28.6, 15: 25.9, 20: 23.6, 21: 18.4, 22: 16.4, 24: 16.7 },
  random: { 0: 214.4, 1: 150.0, 2: 103.2, 3: 95.6, 4: 90.3, 5: 87.0, 6: 85.3, 7: 82.8, 8: 76.5, 10: 77.7, 12: 77.0, 15: 78.7 },
}[feedback] ?? {};
const stats = readFileSync(path.join(out, 'oxford.stats'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
console.log(`\nOxford, ${feedback} feedback, ${workers} workers, ${blocks} blocks: wall ${wall.toFixed(0)} s`);
console.log('| block | superspike MSE | Auryn MSE |');
console.log('|---|---|---|');
for (const s of stats) console.log(`| ${s[0]} | ${s[1]} | ${auryn[s[0]] ?? ''} |`);
