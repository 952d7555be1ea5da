/**
 * Reading an experiment config: JSON file → CLI overrides → schema validation, with errors that
 * name the file, the key and what is wrong.
 */
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { describeErrno } from '../io/fs-errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { checkConfigLimits, checkShapeLimits, LIMITS } from './limits.js';
import { ConnectionSchema, ConfigSchema, TrialStimulusSchema, type ConfigInput, type ExperimentConfig } from './schema.js';
import { networkShape } from '../network/chain.js';
import type { ConnectionSpec } from '../network/graph.js';
import { buildTopology } from '../network/topology.js';

export class ConfigError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: ExperimentConfig;
  /** Folder that relative paths of the config file are resolved against. */
  baseDir: string;
  source: string;
}

/** Validates a plain object; `source` names it in error messages. */
export function validateConfig(raw: unknown, source: string): ExperimentConfig {
  // 25 million hidden layers would cost gigabytes in the schema check itself: count them first.
  const hidden = (raw as { hidden?: unknown } | null)?.hidden;
  if (Array.isArray(hidden) && hidden.length > LIMITS.maxHiddenLayers) {
    checkShapeLimits({ hidden: hidden as number[], feedbackDelaySeconds: 0 }, source);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${source}: ${describeIssues(parsed.error)}`);
  const config = parsed.data;
  if (config.trials !== undefined) {
    const others = (['input', 'target', 'task'] as const).filter((k) => config[k] !== undefined);
    if (others.length > 0) throw new ConfigError(`${source}: "trials" cannot be combined with ${others.map((k) => `"${k}"`).join(', ')}: give one kind of task`);
    if (config.gridSeconds !== null) {
      throw new ConfigError(`${source}: gridSeconds must be null with "trials": the trial sequence covers the whole training and never loops during it (docs/model.md §4.1)`);
    }
  }
  if (config.feedbackNegativeFraction !== undefined && config.feedback !== 'random') {
    throw new ConfigError(`${source}: feedbackNegativeFraction needs feedback "random" (only random feedback has feedback weights; feedback is "${config.feedback}")`);
  }
  if (config.feedbackCentred === true && config.feedback !== 'random') {
    throw new ConfigError(`${source}: feedbackCentred needs feedback "random" (only random feedback has feedback weights; feedback is "${config.feedback}")`);
  }
  if (config.feedbackCentred === true && config.feedbackNegativeFraction !== undefined) {
    throw new ConfigError(`${source}: feedbackCentred cannot be combined with feedbackNegativeFraction (centring changes the forced signs)`);
  }
  if (config.feedbackCentred === true && config.nOutput !== undefined && config.nOutput < 2) {
    throw new ConfigError(`${source}: feedbackCentred needs at least 2 outputs (with one output, centring makes every feedback weight 0; nOutput is ${config.nOutput})`);
  }
  if (config.connections !== undefined) {
    // The wiring is checked against the chain now (sizes do not matter), not when a run starts.
    try {
      buildTopology(networkShape(config, { nInput: 1, nOutput: 1 }));
    } catch (err) {
      throw new ConfigError(`${source}: ${(err as Error).message}`);
    }
  }
  return config;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : '(top level)';
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${issue.path.length ? ` in ${where}` : ''} (known: ${knownKeys(issue.path)})`;
      }
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

function knownKeys(at: PropertyKey[]): string {
  if (at.length === 0) return Object.keys(ConfigSchema.shape).join(', ');
  // A stimulus of a trial task's list (trials.stimuli.N).
  if (at[0] === 'trials' && at.length > 1) return Object.keys(TrialStimulusSchema.shape).join(', ');
  if (at[0] === 'connections') return Object.keys(ConnectionSchema.shape).join(', ');
  // A nested object (task, trials, regulariser, learningRate) behind its optional/prefault wrapper.
  let schema: unknown = ConfigSchema.shape[at[0] as keyof typeof ConfigSchema.shape];
  while (schema instanceof z.ZodOptional || schema instanceof z.ZodPrefault || schema instanceof z.ZodDefault) schema = schema.unwrap();
  return schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : '';
}

/**
 * Loads `file` (or the schema defaults — the built-in task of config/default.json — when undefined),
 * applies `overrides` (CLI flags, or a config object; paths in them are relative to the working
 * directory) and validates the result. `objectSource` names a config without a file in messages.
 */
export function loadConfig(
  file: string | undefined, overrides: Partial<ConfigInput> = {},
  addConnections?: (hiddenLayers: number) => ConnectionSpec[],
  objectSource = 'built-in defaults',
): LoadedConfig {
  let raw: Record<string, unknown> = {};
  let baseDir = process.cwd();
  let source = objectSource;
  if (file !== undefined) {
    source = file;
    baseDir = path.dirname(path.resolve(file));
    let text: string;
    // A device, a pipe or a huge file by mistake (`run /dev/zero`) is refused before it is read.
    const st = statOrNull(file);
    if (st && !st.isFile() && !st.isDirectory()) throw new ConfigError(`${file}: not a regular file (a device, pipe or socket), not a config file`);
    if (st && st.isFile() && st.size > MAX_CONFIG_BYTES) {
      throw new ConfigError(`${file}: ${(st.size / 2 ** 20).toFixed(1)} MiB is too large for a config file (at most ${MAX_CONFIG_BYTES / 2 ** 20} MiB; rasters go in .ras files)`);
    }
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EISDIR') {
        throw new ConfigError(
          `${file} is a folder, not a config file (give a .json config; to look at a finished run there: superspike report ${file})`,
        );
      }
      if (code === 'ENOENT') {
        // A project that installed the package has no config/ of its own: point at the package's copy.
        const shipped = path.join(PACKAGE_ROOT, file);
        const hint = !path.isAbsolute(file) && existsSync(shipped) ? ` (the package ships ${file}: pass ${shipped}, or shippedConfig('${path.basename(file, '.json')}') in code)` : '';
        throw new ConfigError(`no such config file: ${file}${hint}`);
      }
      throw new ConfigError(`cannot read config ${file}: ${describeErrno(err)}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: the config must be a JSON object`);
    for (const key of ['input', 'target'] as const) {
      if (typeof raw[key] === 'string') raw[key] = path.resolve(baseDir, raw[key] as string);
    }
    if (raw.trials !== undefined) raw.trials = withStimulusPaths(raw.trials, baseDir);
  }
  const merged: Record<string, unknown> = { ...raw };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (isPlainObject(value) && isPlainObject(merged[key])) {
      // Flags that set one field of an object key (--regulariser-exponent) keep the file's others.
      merged[key] = { ...merged[key], ...Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) };
      continue;
    }
    merged[key] = (key === 'input' || key === 'target') && typeof value === 'string' ? path.resolve(value) : value;
  }
  if (overrides.trials !== undefined) merged.trials = withStimulusPaths(overrides.trials, process.cwd());
  if ((merged.input !== undefined || merged.target !== undefined) && merged.task !== undefined && overrides.input !== undefined) {
    delete merged.task; // files given on the command line replace the config's built-in task
  }
  if (file === undefined && [merged.input, merged.target, merged.task, merged.trials].every((v) => v === undefined)) {
    // Without a file and without a task: the built-in one, exactly as config/default.json names it.
    merged.task = {};
  }
  let config = validateConfig(merged, source);
  const added = addConnections?.(config.hidden.length) ?? [];
  if (added.length > 0) {
    // Flags such as --recurrent add to the config's own list (a pair given twice is an error).
    config = validateConfig({ ...merged, connections: [...(config.connections ?? []), ...added] }, source);
  }
  if ((config.input === undefined) !== (config.target === undefined)) {
    throw new ConfigError(`${source}: give both input and target rasters (or neither, for the built-in task)`);
  }
  if (config.input === undefined && config.task === undefined && config.trials === undefined) {
    throw new ConfigError(`${source} names no task: give --input and --target rasters (or a "task" object for the built-in one, or "trials")`);
  }
  // Before any raster is read or anything allocated (config/limits.ts).
  checkConfigLimits(config, source);
  return { config, baseDir, source };
}

/**
 * A copy of a `trials` value with the rasters of its user-made stimuli resolved against
 * `baseDir` (absolute ones stay as they are); anything malformed is left for the schema to name.
 */
function withStimulusPaths(trials: unknown, baseDir: string): unknown {
  const stimuli = (trials as { stimuli?: unknown } | null | undefined)?.stimuli;
  if (!Array.isArray(stimuli)) return trials;
  const resolve = (s: unknown) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return s;
    const copy: Record<string, unknown> = { ...(s as Record<string, unknown>) };
    for (const key of ['input', 'target']) {
      if (typeof copy[key] === 'string') copy[key] = path.resolve(baseDir, copy[key] as string);
    }
    return copy;
  };
  return { ...(trials as object), stimuli: stimuli.map(resolve) };
}

/** A config is a small JSON object; rasters live in their own files. */
const MAX_CONFIG_BYTES = 16 * 2 ** 20;

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null; // the read below names the problem
  }
}
