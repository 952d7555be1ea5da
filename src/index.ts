/**
 * superspike as a library: `import { train, loadRun, decodeSpikes } from 'superspike'`.
 *
 *   const run = await train(undefined, { workers: 4, out: 'output' });   // the built-in task (config/default.json)
 *   run.mse;                                   // one MSE per stats line (block), then the final one
 *   const spikes = await decodeSpikes(`${run.outDir}/output`, { from: 10, to: 11 });
 *   // a trial-based task (config `trials`): accuracy of the window-of-opportunity readout
 *   const { finalAccuracy } = await trialReadout(run.outDir, loadRun(run.outDir).info);
 *
 * Everything here is a thin layer over the modules the CLI uses, so a library run and a
 * `superspike run` write the same files. Errors a caller can act on are `UserError`s.
 */
export { train, resolveTrainConfig, validateTrainOptions, type TrainConfig, type TrainOptions, type TrainResult } from './api/train.js';
export { writeRas, readMonitor, type MonitorData } from './api/spike-data.js';
export { shippedConfig } from './api/shipped-config.js';
export {
  decodeSpikes, loadRun, type DecodedSpikes, type DecodeSpikesOptions, type LoadedRun, type RunGroup,
} from './api/run-folder.js';
export { exportNpz, type ExportNpzOptions, type ExportNpzResult } from './export/npz.js';
export { writeReport } from './report/report.js';
export { loadConfig, validateConfig, ConfigError, type LoadedConfig } from './config/load.js';
export {
  ConfigSchema, BuiltinTaskSchema, TrialsSchema, type BuiltinTask, type ConfigInput, type ExperimentConfig, type SpikeArrays,
} from './config/schema.js';
export { trainedStateName } from './engine/continuation.js';
export { trialSequence, trialList, type Stimulus, type Trial, type TrialSequence } from './tasks/trials.js';
export { xorStimuli } from './tasks/xor.js';
export { trialReadout, scoreTrials, type TrialReadout, type TrialScore } from './experiments/readout.js';
export type { ProgressEvent } from './engine/coordinator.js';
export { UserError } from './errors.js';
export { type NetworkState, type ConnectionState, type GroupState } from './io/netstate.js';
export { loadNetworkState } from './engine/state-validate.js';
export type { RunInfo, RunInfoGroup, RunInfoWindow, RunInfoRankTiming, RunInfoSegment, RunInfoProvenance } from './io/run-info.js';
export { readStatsFile, type StatsLine } from './io/stats.js';
export { DEFAULT_CONFIG_PATH, PACKAGE_ROOT, PACKAGE_VERSION as version } from './paths.js';
