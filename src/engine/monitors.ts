/**
 * One rank's state monitors: at step phase C it samples what it owns of each plan (monitor-plan.ts)
 * straight from the shared memory and appends `time value…` lines to its own rank file
 * (io/monitor-files.ts). Created only when something is recorded, so a run without monitors pays
 * one null check per step (rank.ts, phase C).
 *
 * What a sample at step n holds (phase C, after A and B of step n):
 *   membrane  V after step n's update;  current  I after step n's delayed spikes arrived;
 *   sigma     σ′(V) of that V, SuperSpike's surrogate (σ′ ≡ 1 with partial off);
 *   error     errFiltered as left by step n−1 (D1 runs after C);
 *   eligibility  elFlt as left by step n−1 (the pending batch is completed first);
 *   weights   w in force during step n (updates happen later in the step, at E4).
 *
 * The `auryn` set (plans with an `aurynName`) writes Auryn's files instead: no header, every rank
 * opens its file (as Auryn's monitors do), the membrane line of a step in which the neuron spikes
 * holds Auryn's spike mark, rates are Hz of this rank's neurons stamped at the bin end, weights
 * are written by every rank (its own sampled synapses) — io/auryn-monitor-files.ts.
 */
import * as fs from 'node:fs';
import { openNoFollow } from '../io/spk-format.js';
import { fsUserError } from '../io/fs-errors.js';
import * as path from 'node:path';
import {
  AURYN_SPIKE_MARK_VOLTS, aurynRankFileName, aurynRateLine, aurynStateLine, aurynWeightLine,
} from '../io/auryn-monitor-files.js';
import { MONITOR_MAGIC, formatFloat32, formatStepTime, monitorRankFileName } from '../io/monitor-files.js';
import { SpkReader, spkRankFileName } from '../io/spk.js';
import { STEPS_PER_SECOND, surrogateFloorOf } from '../model/constants.js';
import { surrogateDerivative } from '../model/surrogate.js';
import type { RankRegion } from '../network/layout.js';
import { MONITOR_UNITS, type MonitorPlan } from './monitor-plan.js';
import { localIndex, ownerRank } from '../network/partition.js';
import type { Topology } from '../network/topology.js';

const FLUSH_CHARS = 1 << 16;

export interface RankMonitorsOptions {
  plans: readonly MonitorPlan[];
  rank: number;
  ranks: number;
  topology: Topology;
  region: RankRegion;
  f32: Float32Array;
  i32: Int32Array;
  outDir: string;
  /** A resumed run appends to the files it truncated (outputs.ts). */
  append: boolean;
  /** The clock the run starts at (a resumed run: the saved one). */
  startClock: number;
  /** Completes the pending eligibility batches (elFlt is current only after it). */
  flushEligibility: () => void;
}

class RankMonitor {
  /** f32 indices of the columns this rank owns (not rate). */
  readonly at: Int32Array;
  private window = 0;
  private binCount = 0;
  private binOpen = false;
  private text = '';
  private readonly fd: number;
  /** Auryn's files: the group's spike ring (membrane spike marks) and this rank's neurons (rates). */
  private readonly auryn: { ringIds: number; localCap: number; rankNeurons: number; ids: Int32Array; values: Float64Array } | null;
  /** Its rank file, for messages. */
  private readonly file: string;

  constructor(readonly plan: MonitorPlan, private readonly o: RankMonitorsOptions, append: boolean, private readonly ringCounts: number) {
    const { rank, ranks, region } = o;
    const keys: string[] = [];
    const at: number[] = [];
    const conn = plan.connection >= 0 ? region.connections[plan.connection]! : null;
    const group = region.groups[plan.group]!;
    for (const id of plan.ids) {
      if (ownerRank(id, ranks) !== rank) continue;
      keys.push(String(id));
      const base = plan.kind === 'membrane' || plan.kind === 'sigma' ? group.v : plan.kind === 'current' ? group.i : conn!.errFiltered;
      at.push((base >> 2) + localIndex(id, ranks));
    }
    for (const [pre, post] of plan.pairs) {
      if (ownerRank(post, ranks) !== rank) continue;
      keys.push(`${pre}-${post}`);
      const base = plan.kind === 'weights' ? conn!.w : conn!.elFlt;
      at.push((base >> 2) + pre * conn!.stride + localIndex(post, ranks));
    }
    this.at = Int32Array.from(at);
    if (plan.aurynName !== null) {
      this.auryn = {
        ringIds: group.ringIds >> 2, localCap: group.localCap, rankNeurons: group.localCount,
        ids: Int32Array.from(plan.ids.filter((id) => ownerRank(id, ranks) === rank)), values: new Float64Array(at.length),
      };
      // Every rank opens its file, as Auryn's Monitor does; resumed runs append (outputs.ts cut them back).
      this.file = path.join(o.outDir, aurynRankFileName(plan.aurynName, rank, plan.suffix));
      const { O_WRONLY, O_CREAT, O_APPEND, O_TRUNC } = fs.constants;
      this.fd = openNoFollow(this.file, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 'monitor file');
      if (plan.kind === 'rate' && append && o.startClock > 0) {
        // The row due next covers steps (M − bin, M]: count its part before the resume from this
        // rank's spike file (Auryn keeps the counter in its state file; ours has no place for it).
        const end = Math.ceil(o.startClock / plan.everySteps) * plan.everySteps;
        this.binCount = countSpikes(path.join(o.outDir, spkRankFileName(plan.spkName, rank)), end - plan.everySteps + 1, o.startClock);
        this.binOpen = true;
      }
      return;
    }
    this.auryn = null;
    const file = path.join(o.outDir, monitorRankFileName(plan.spkName, plan.suffix, rank));
    this.file = file;
    // Never through a symbolic link (a link planted in the folder would redirect a resume's appends).
    const { O_WRONLY, O_CREAT, O_APPEND, O_TRUNC } = fs.constants;
    this.fd = plan.kind === 'rate' || at.length > 0 ? openNoFollow(file, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 'monitor file') : -1;
    const rate = plan.kind === 'rate';
    const header = `${MONITOR_MAGIC} kind=${plan.kind} group=${plan.spkName} unit=${MONITOR_UNITS[plan.kind]} every=${plan.everySteps}`
      + `${rate ? ` size=${plan.groupSize}` : ''}\n${rate ? '# counts' : `# columns ${keys.join(' ')}`}\n`;
    if (this.fd >= 0 && append && fs.fstatSync(this.fd).size > 0) {
      // A resumed run continues the file only if it records the same columns (same rank count).
      if (!fs.readFileSync(file, 'utf8').startsWith(header)) {
        throw new Error(`${file} was recorded with other monitors or another rank count: resume with the same --workers and --record`);
      }
    } else if (this.fd >= 0) {
      this.text = header;
    }
  }

  get active(): boolean {
    return this.fd >= 0;
  }

  record(n: number, slot: number): void {
    const { windows, everySteps } = this.plan;
    while (this.window < windows.length && n >= windows[this.window]![1]) this.window++;
    if (this.window === windows.length || n < windows[this.window]![0]) return;
    if (this.auryn !== null) this.recordAuryn(n, slot);
    else if (this.plan.kind === 'rate') {
      // Bins start at multiples of everySteps inside a window; a partial first bin is not written.
      if (n % everySteps === 0) {
        this.binOpen = true;
        this.binCount = 0;
      }
      this.binCount += this.o.i32[this.ringCounts + slot]!;
      if ((n + 1) % everySteps === 0 && this.binOpen) {
        this.text += `${formatStepTime(n + 1 - everySteps)} ${this.binCount}\n`;
        this.binOpen = false;
      }
    } else {
      if (n % everySteps !== 0) return;
      if (this.plan.kind === 'eligibility') this.o.flushEligibility();
      const f32 = this.o.f32;
      let line = formatStepTime(n);
      const sigma = this.plan.kind === 'sigma';
      const partial = this.o.topology.shape.partial;
      const floor = surrogateFloorOf(this.o.topology.shape.surrogateFloorVolts);
      for (let k = 0; k < this.at.length; k++) {
        const x = f32[this.at[k]!]!;
        line += ` ${formatFloat32(sigma ? (partial ? surrogateDerivative(x, floor) : 1) : x)}`;
      }
      this.text += `${line}\n`;
    }
    if (this.text.length > FLUSH_CHARS) this.flush();
  }

  /** Auryn's monitors at step n (its `execute()` after the step): see the file's opening comment. */
  private recordAuryn(n: number, slot: number): void {
    const a = this.auryn!;
    const { kind, everySteps } = this.plan;
    const f32 = this.o.f32;
    if (kind === 'rate') {
      // PopulationRateMonitor counts every step and writes at clock % bin == 0 (so also at 0).
      // A row at step n covers steps (n − bin, n]; a resumed run that starts inside one cannot
      // count its beginning again, so that row is not written.
      if (!this.binOpen) {
        if (n !== 0 && n % everySteps !== 1 % everySteps) return;
        this.binOpen = true;
        this.binCount = 0;
      }
      this.binCount += this.o.i32[this.ringCounts + slot]!;
      if (n % everySteps === 0) {
        this.text += aurynRateLine(n, this.binCount, a.rankNeurons, everySteps / STEPS_PER_SECOND);
        this.binCount = 0;
      }
    } else if (kind === 'weights') {
      if (n % everySteps !== 0) return;
      for (let k = 0; k < this.at.length; k++) a.values[k] = f32[this.at[k]!]!;
      this.text += aurynWeightLine(n, a.values);
    } else {
      const partial = this.o.topology.shape.partial;
      const floor = surrogateFloorOf(this.o.topology.shape.surrogateFloorVolts);
      for (let k = 0; k < this.at.length; k++) {
        const x = f32[this.at[k]!]!;
        // VoltageMonitor pastes a spike of its neuron in place of the sample.
        const value = kind === 'membrane' && this.spiked(a.ids[k]!, slot) ? AURYN_SPIKE_MARK_VOLTS : kind === 'sigma' ? (partial ? surrogateDerivative(x, floor) : 1) : x;
        this.text += aurynStateLine(n, value);
      }
    }
    if (this.text.length > FLUSH_CHARS) this.flush();
  }

  /** Whether global neuron `id` (on this rank) spiked in the step of ring slot `slot`. */
  private spiked(id: number, slot: number): boolean {
    const a = this.auryn!;
    const count = this.o.i32[this.ringCounts + slot]!;
    const at = a.ringIds + slot * a.localCap;
    for (let s = 0; s < count; s++) if (this.o.i32[at + s] === id) return true;
    return false;
  }

  flush(): void {
    if (this.fd < 0 || this.text === '') return;
    try {
      fs.writeSync(this.fd, this.text);
    } catch (err) {
      throw fsUserError('write', this.file, err);
    }
    this.text = '';
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) fs.closeSync(this.fd);
  }
}

/** Spikes in a rank's spike file with fromStep ≤ step < toStep. */
function countSpikes(file: string, fromStep: number, toStep: number): number {
  let count = 0;
  for (const chunk of new SpkReader(file)) {
    for (let k = 0; k < chunk.length; k++) if (chunk.steps[k]! >= fromStep && chunk.steps[k]! < toStep) count++;
  }
  return count;
}

/** All monitors of one rank; null (no object at all) when nothing is recorded. */
export class RankMonitors {
  private readonly monitors: RankMonitor[];

  private constructor(o: RankMonitorsOptions) {
    this.monitors = o.plans
      .map((plan) => new RankMonitor(plan, o, o.append, o.region.groups[plan.group]!.ringCounts >> 2))
      .filter((m) => m.active);
  }

  static create(o: RankMonitorsOptions): RankMonitors | null {
    return o.plans.length === 0 ? null : new RankMonitors(o);
  }

  /** Phase C of step n (`slot` = n's ring slot). */
  record(n: number, slot: number): void {
    for (let m = 0; m < this.monitors.length; m++) this.monitors[m]!.record(n, slot);
  }

  flush(): void {
    for (const m of this.monitors) m.flush();
  }

  close(): void {
    for (const m of this.monitors) m.close();
  }
}
