#!/usr/bin/env node
// The paper's Oxford run (docs/model.md §8, §13), by hand — not part of CI:
//   node scripts/oxford.mjs [--blocks 10] [--workers 2] [--feedback symmetric|random] [--seed 1]
//                           [--eligibility recursive|blocked] [--out output/oxford]
// Trains config/oxford.json on the SSBM Oxford rasters shipped in data/ssbm/precise_timing/oxford,
// then prints the MSE per block next to Auryn 6f88977's figures and the wall time. A missing data
// file or a failed run exits 1: silence must never look like success.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const configFile = path.join(root, 'config', 'oxford.json');
const config = JSON.parse(readFileSync(configFile, 'utf8'));
for (const key of ['input', 'target']) {
  // Relative raster paths in a config are resolved against the config's folder (src/config/load.ts).
  const file = path.resolve(path.dirname(configFile), config[key] ?? '');
  if (!config[key] || !existsSync(file)) {
    console.error(`oxford: ${configFile}: ${key} raster ${file} not found (it ships in data/ssbm; is this a complete clone?)`);
    process.exit(1);
  }
}
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const blocks = arg('blocks', '10');
const workers = arg('workers', '2');
const feedback = arg('feedback', 'symmetric');
const seed = arg('seed', undefined);
const eligibility = arg('eligibility', undefined);
const out = path.resolve(arg('out', path.join(root, 'output', 'oxford')));
const started = Date.now();
const run = spawnSync(process.execPath, [
  path.join(root, 'dist', 'src', 'cli', 'main.js'), 'run', configFile,
  '--blocks', blocks, '--workers', workers, '--feedback', feedback, '--out', out,
  ...(seed === undefined ? [] : ['--seed', seed]), ...(eligibility === undefined ? [] : ['--eligibility', eligibility]),
], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status || 1);
const wall = (Date.now() - started) / 1000;

const { AURYN_OXFORD_MSE } = await import(path.join(root, 'dist', 'src', 'experiments', 'auryn-reference.js'));
const auryn = AURYN_OXFORD_MSE[feedback] ?? {};
const statsFile = path.join(out, 'oxford.stats');
if (!existsSync(statsFile)) {
  console.error(`oxford: the run wrote no ${statsFile}`);
  process.exit(1);
}
const stats = readFileSync(statsFile, 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
console.log(`\nOxford, ${feedback} feedback, ${eligibility ?? 'recursive'} eligibility, ${workers} workers, ${blocks} blocks: wall ${wall.toFixed(0)} s`);
console.log('| block | superspike MSE | Auryn MSE |');
console.log('|---|---|---|');
for (const s of stats) console.log(`| ${s[0]} | ${s[1]} | ${auryn[s[0]] ?? ''} |`);
