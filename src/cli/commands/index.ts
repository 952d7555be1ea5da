/** Every CLI command, in the order `--help` lists them. Each module exports `register`. */
import type { Command } from 'commander';
import { register as registerDecode } from './decode.js';
import { register as registerRun } from './run.js';
import { register as registerInput } from './input.js';
import { register as registerTarget } from './target.js';

export const commands: Array<(program: Command) => void> = [registerRun, registerTarget, registerInput, registerDecode];
