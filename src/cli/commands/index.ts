/** Every CLI command, in the order `--help` lists them. Each module exports `register`. */
import type { Command } from 'commander';

export const commands: Array<(program: Command) => void> = [];
