/** Every CLI command, in the order `--help` lists them. Each module exports `register`. */
import type { Command } from 'commander';
import { register as registerDecode } from './decode.js';
import { register as registerRun } from './run.js';
import { register as registerBench } from './bench.js';
import { register as registerStress } from './stress.js';
import { register as registerInspect } from './inspect.js';
import { register as registerInput } from './input.js';
import { register as registerTarget } from './target.js';
import { register as registerReport } from './report.js';
import { register as registerPlot } from './plot.js';
import { register as registerWatch } from './watch.js';
import { register as registerAnimate } from './animate.js';
import { register as registerExport } from './export.js';
import { register as registerExperiment } from './experiment.js';

export const commands: Array<(program: Command) => void> = [registerRun, registerExperiment, registerTarget, registerInput, registerDecode, registerExport, registerReport, registerWatch, registerPlot, registerAnimate, registerBench, registerStress, registerInspect];
