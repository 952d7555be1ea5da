/**
 * Everything a run writes into its output folder besides the ranks' spike files: the stats file,
 * the network state (final and checkpoints) and run.json — and the preparation of the folder for
 * a fresh or a resumed run (stale rank files removed, or truncated to the saved clock). The
 * coordinator decides when; this module knows names and formats.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { ResolvedTask } from '../config/task.js';
import { NETSTATE_FORMAT, NETSTATE_VERSION } from '../io/netstate.js';
import { saveStreamedState, type StreamedState } from '../io/netstate-stream.js';
import { RUN_INFO_FILE, writeRunInfo, type RunInfo, type RunInfoLayout, type RunInfoSegment } from '../io/run-info.js';
import { findAurynMonitorFiles } from '../io/auryn-monitor-files.js';
import { PACKAGE_VERSION } from '../paths.js';
import { findMonitorRankFiles, truncateMonitorFileAt } from '../io/monitor-files.js';
import { recordRunFiles, type RunFileRecord } from '../io/run-files.js';
import { readSpkHeader, spkRankFiles, truncateSpkAfter } from '../io/spk.js';
import { refuseSymlink } from '../io/spk-format.js';
import { appendStatsLine, formatStatsLine, writeStatsFile, type StatsLine } from '../io/stats.js';
import { checkResumeFolder, removeStaleOutputs, writeRunStartMarker } from '../io/run-identity.js';
import { DT_SECONDS, STEPS_PER_SECOND } from '../model/constants.js';
import { trainedStateName } from './continuation.js';
import { MONITOR_KINDS } from './monitor-plan.js';
import { finalWindow, testWindows, type Schedule } from './schedule.js';
import type { NetworkView } from './snapshot.js';
import type { Topology } from '../network/topology.js';
import type { RankTiming } from './wait-log.js';
import type { Placement } from './process-group.js';

/** What one process records about itself in its segment of run.json. */
export interface SegmentStart {
  startedAt: string;
  fromStep: number;
  argv: string[];
}

export class RunOutputs {
  readonly statsFile: string;
  /** Segments of earlier processes of this run (a resume), oldest first; read when the folder is claimed. */
  private earlierSegments: RunInfoSegment[] = [];

  constructor(
    readonly outDir: string,
    private readonly config: ExperimentConfig,
    private readonly task: ResolvedTask,
    private readonly topology: Topology,
    /** The process that writes stats, states and run.json (the only one in a one-process run). */
    private readonly isRoot = true,
    /** Ranks of the run, and those whose spike files this process writes. */
    private readonly ranks = Infinity,
    private readonly ownRanks: ReadonlySet<number> | null = null,
  ) {
    this.statsFile = path.join(outDir, `${config.name}.stats`);
  }

  /** Rank files of this network's groups that exist, whatever rank count wrote them. */
  existingRankFiles(): string[] {
    return this.topology.groups.flatMap((g) => spkRankFiles(path.join(this.outDir, g.spkName)));
  }

  /**
   * State monitor rank files that exist: `<spkName>.<suffix>.<rank>` of this network's groups,
   * and the `auryn` set's `<name>.<rank>.<ext>`.
   */
  existingMonitorFiles(): string[] {
    return this.monitorFilesWithRanks().map((f) => f.file);
  }

  private monitorFilesWithRanks(): Array<{ file: string; rank: number; headerLines: number }> {
    const names = new Set(this.topology.groups.map((g) => g.spkName));
    const sets = findMonitorRankFiles(this.outDir, MONITOR_KINDS);
    const own = [...sets].filter(([key]) => names.has(key.slice(0, key.lastIndexOf('.')))).flatMap(([, files]) => files)
      .map((file) => ({ file, rank: Number(/\.(\d+)$/.exec(file)![1]), headerLines: 2 }));
    return [...own, ...findAurynMonitorFiles(this.outDir).map((f) => ({ file: f.file, rank: f.rank, headerLines: 0 }))];
  }

  private ownMonitorFiles(): Array<{ file: string; rank: number; headerLines: number }> {
    return this.monitorFilesWithRanks().filter(({ rank }) => this.ownRanks === null || this.ownRanks.has(rank) || (this.isRoot && rank >= this.ranks));
  }

  /**
   * The existing rank files this process answers for: those of its own ranks, and — at the root —
   * those of ranks this run does not have (left by a run with more ranks).
   */
  private ownRankFiles(): string[] {
    return this.existingRankFiles().filter((f) => {
      const rank = Number(/\.(\d+)\.spk$/.exec(f)![1]);
      return this.ownRanks === null || this.ownRanks.has(rank) || (this.isRoot && rank >= this.ranks);
    });
  }

  /**
   * Root only, before anything else in the folder changes: the folder is refused unless it can
   * take this run (a resume only continues the run it belongs to), then marked as holding this
   * run, incomplete, until run.json is rewritten last.
   */
  claimFolder(runId: string, resume: { runId?: string; statsLines: number; file: string; clock: number } | null, force = false): void {
    this.checkClaim(resume, force);
    if (resume) {
      // The history that led to the saved clock; a segment that started after it was lost with its work.
      this.earlierSegments = readSegments(this.outDir).filter((seg) => seg.fromStep < resume.clock);
    }
    writeRunStartMarker(this.outDir, runId, this.earlierSegments.length > 0 ? { segments: this.earlierSegments } : {});
    if (!resume) removeStaleOutputs(this.outDir, this.config.name);
  }

  /**
   * claimFolder()'s refusals, touching nothing (also `run --dry-run`): a resume only into its own
   * run's folder; a fresh run never deletes an interrupted run's checkpoint without `force`.
   * Returns what the run would do with the folder, in words.
   */
  checkClaim(resume: { runId?: string; statsLines: number; file: string } | null, force = false): string {
    if (resume) {
      checkResumeFolder(this.outDir, resume.runId, resume.file, this.statsFile, resume.statsLines);
      return `continues the run in it after ${resume.statsLines} stats lines`;
    }
    const checkpoint = this.stateFile(true);
    if (!force && existsSync(checkpoint) && !finishedUninterrupted(this.outDir)) {
      // The one way to continue an interrupted run: never deleted by a fresh run by accident.
      throw new UserError(`${checkpoint} is the checkpoint of an interrupted run: continue it with --resume ${checkpoint} --out ${this.outDir}, or start afresh with --force (deletes it)`);
    }
    if (!existsSync(this.outDir)) return 'creates it';
    const used = existsSync(this.statsFile) || existsSync(path.join(this.outDir, RUN_INFO_FILE)) || this.existingRankFiles().length > 0;
    return used ? 'replaces the outputs of the earlier run in it' : 'writes into it';
  }

  prepareFresh(): void {
    // Stale files of an earlier run with more ranks would otherwise join every merge.
    for (const f of [...this.ownRankFiles(), ...this.ownMonitorFiles().map((m) => m.file)]) rmSync(f, { force: true });
    if (this.isRoot) writeStatsFile(this.statsFile, []);
  }

  /**
   * Every check a resume needs before anything in the folder changes (run on every process, before
   * the root claims the folder): each rank file this process will cut back is a spike file (a
   * 0-byte one of a run killed early counts as empty), and monitor files are continued only by a
   * resume that records: without --record they would be cut back and never written again.
   */
  checkResumable(recording: boolean): void {
    for (const f of this.ownRankFiles()) readSpkHeader(f);
    const monitors = this.ownMonitorFiles();
    for (const m of monitors) refuseSymlink(m.file, 'monitor file');
    if (monitors.length === 0) return;
    if (!recording) {
      throw new UserError(
        `${monitors[0]!.file} holds state recorded by this run: resume with the same --record options as the run, or into a copy of the folder without its monitor files`,
      );
    }
    // Auryn's files carry no header to check on append (monitors.ts checks ours): their ranks must match.
    const aurynRanks = new Set(findAurynMonitorFiles(this.outDir).map((f) => f.rank));
    if (this.isRoot && aurynRanks.size > 0 && (aurynRanks.size !== this.ranks || !aurynRanks.has(this.ranks - 1))) {
      throw new UserError(`${this.outDir}: its --record auryn files were written by ${aurynRanks.size} ranks, this run has ${this.ranks}: resume with the same --workers`);
    }
    const ranks = Math.max(...monitors.map((m) => m.rank)) + 1;
    if (this.isRoot && ranks > this.ranks) {
      throw new UserError(`${monitors.find((m) => m.rank === ranks - 1)!.file} was recorded by ${ranks} or more ranks: resume with --workers ${ranks} to continue the monitors`);
    }
  }

  /** Cuts the folder back to the saved clock: rank files truncated, stats lines kept up to it. */
  prepareResumed(clock: number, statsLines: number): void {
    // Files of ranks this run does not have still hold the spikes before the checkpoint: keep them.
    for (const f of this.ownRankFiles()) truncateSpkAfter(f, clock);
    for (const m of this.ownMonitorFiles()) truncateMonitorFileAt(m.file, clock, m.headerLines);
    if (!this.isRoot) return;
    const kept = existsSync(this.statsFile)
      ? readFileSync(this.statsFile, 'utf8').split('\n').filter((l) => l !== '').slice(0, statsLines)
      : [];
    if (kept.length < statsLines) {
      throw new UserError(
        `${this.statsFile} has ${kept.length} lines but the state was saved after ${statsLines}: resume into the run's own output folder`,
      );
    }
    writeStatsFile(this.statsFile, kept);
  }

  appendStats(line: StatsLine): void {
    appendStatsLine(this.statsFile, formatStatsLine(line));
  }

  stateFile(checkpoint: boolean): string {
    return path.join(this.outDir, checkpoint ? `${this.config.name}.checkpoint.netstate` : `${this.config.name}.netstate`);
  }

  /**
   * The network state in global order (a collective with several processes; complete at the
   * root). Its synaptic arrays are lazy: `saveState` produces them, on every process.
   */
  captureState(view: NetworkView, clock: number, statsLines: number, runId: string): StreamedState {
    return {
      format: NETSTATE_FORMAT,
      version: NETSTATE_VERSION,
      runId,
      config: this.config as unknown as Record<string, unknown>,
      task: this.task,
      clock,
      statsLines,
      groups: view.captureGroups(clock),
      connections: view.captureConnections(clock),
    };
  }

  /** A completed run's checkpoint is superseded by its final state: it goes. */
  removeCheckpoint(): void {
    if (this.isRoot) rmSync(this.stateFile(true), { force: true });
  }

  /** Writes a state under its own name in the folder (the trained state), streamed; a collective, only the root writes. */
  saveStateAs(state: StreamedState, name: string): string {
    const file = path.join(this.outDir, name);
    saveStreamedState(this.isRoot ? file : null, state);
    return file;
  }

  /**
   * Writes the network state, streamed (io/netstate-stream.ts); a checkpoint when the run is not
   * over. A collective: every process calls it; only the root writes.
   */
  saveState(state: StreamedState, checkpoint: boolean): string {
    const file = this.stateFile(checkpoint);
    saveStreamedState(this.isRoot ? file : null, state);
    return file;
  }

  runInfo(run: {
    schedule: Schedule; ranks: number; kernels: string; clock: number; interrupted: boolean;
    stateFile: string | null; wallSeconds: number; timings: RankTiming[]; placement: Placement; runId: string;
    threads: { count: number; reason: string; presynapticCopies: number };
    segment: SegmentStart;
    /** A rewrite while the run goes: no final window yet. */
    inProgress?: boolean;
    files: RunFileRecord[];
  }): RunInfo {
    const s = run.schedule;
    const { topology } = this;
    const host = run.placement.hosts[run.placement.process] ?? hostname();
    const segment: RunInfoSegment = {
      startedAt: run.segment.startedAt, fromStep: run.segment.fromStep, toStep: run.clock, wallSeconds: run.wallSeconds,
      interrupted: run.interrupted, argv: run.segment.argv, version: PACKAGE_VERSION, node: process.version, host,
      ranks: run.ranks, processes: run.placement.processes,
    };
    const segments = [...this.earlierSegments, segment];
    const info: RunInfo = {
      name: this.config.name,
      provenance: { version: PACKAGE_VERSION, node: process.version, host, argv: segment.argv, startedAt: segments[0]!.startedAt },
      segments,
      config: this.config as unknown as Record<string, unknown>,
      taskDescription: this.task.description,
      ranks: run.ranks,
      kernels: run.kernels,
      groups: topology.groups.map((g) => ({ spkName: g.spkName, role: g.role, size: g.size })),
      connections: topology.connections.map((c) => ({
        name: c.name,
        weightScale: c.weightScale,
        fanIn: c.fanIn,
        pre: topology.groups[c.preGroup]!.spkName,
        post: topology.groups[c.postGroup]!.spkName,
        synapses: c.nPre * c.nPost,
        plastic: c.plastic,
      })),
      stepsPerSecond: STEPS_PER_SECOND,
      burnInSteps: s.burnInSteps,
      blockSteps: s.blockSteps,
      blocks: s.blocks,
      gridSteps: this.task.gridSteps,
      periodSteps: s.periodSteps,
      endStep: s.endStep,
      clock: run.clock,
      interrupted: run.interrupted,
      testWindows: testWindows(s, run.clock),
      finalWindow: run.interrupted || run.inProgress ? null : finalWindow(s),
      statsFile: path.basename(this.statsFile),
      stateFile: run.stateFile ? path.basename(run.stateFile) : null,
      wallSeconds: segments.reduce((sum, seg) => sum + seg.wallSeconds, 0),
      simulatedSeconds: run.clock * DT_SECONDS,
      rankTimings: run.timings,
      layout: { ...layoutInfo(run.placement, run.timings), threadsPerProcess: run.threads.count, threadChoice: run.threads.reason, presynapticCopies: run.threads.presynapticCopies },
      runId: run.runId,
      files: run.files,
    };
    return info;
  }

  writeRunInfo(info: RunInfo): void {
    writeRunInfo(this.outDir, info);
  }

  /** run.json while the run goes: `completed: false` with a progress stamp (io/run-info.ts). */
  writeProgressInfo(info: RunInfo, statsLines: number): void {
    writeRunInfo(this.outDir, {
      ...info,
      completed: false,
      progress: { pid: process.pid, host: hostname(), updatedAt: new Date().toISOString(), statsLines },
    });
  }

  /**
   * The files this process answers for, with what they hold (io/run-files.ts), once the ranks
   * have closed them: its rank and monitor files, and at the root the stats file and the state.
   */
  recordFiles(stateFile: string | null): RunFileRecord[] {
    const own = [...this.ownRankFiles().sort(), ...this.ownMonitorFiles().map((m) => m.file).sort()];
    if (this.isRoot) own.push(this.statsFile, ...(stateFile ? [stateFile] : []));
    return recordRunFiles(this.outDir, own, this.statsFile);
  }

  /** Every file of the run, for the summary. */
  files(stateFile: string | null): string[] {
    const trained = path.join(this.outDir, trainedStateName(this.config.name));
    const states = [...(existsSync(trained) ? [trained] : []), ...(stateFile ? [stateFile] : [])];
    return [...this.existingRankFiles().sort(), ...this.existingMonitorFiles().sort(), this.statsFile, ...states, path.join(this.outDir, RUN_INFO_FILE)];
  }
}

/** run.json's layout: processes × ranks, and what crossed between processes per interval. */
function layoutInfo(placement: Placement, timings: RankTiming[]): RunInfoLayout {
  const total = (key: 'mpiIntervals' | 'mpiIntervalBytesSent' | 'mpiWeightExchanges' | 'mpiWeightBytesSent') =>
    timings.reduce((sum, t) => sum + (t[key] ?? 0), 0);
  const per = (bytes: number, count: number) => (count > 0 ? bytes / count : 0);
  return {
    processes: placement.processes,
    ranksPerProcess: placement.ranksPerProcess,
    hosts: placement.hosts,
    bytesPerIntervalPerProcess: per(total('mpiIntervalBytesSent'), total('mpiIntervals')),
    bytesPerWeightExchangePerProcess: per(total('mpiWeightBytesSent'), total('mpiWeightExchanges')),
    mpiSeconds: timings.reduce((sum, t) => sum + (t.mpiSeconds ?? 0), 0),
  };
}

/** The segments a folder's run.json (or its start marker) records; none when it has none or is unreadable. */
function readSegments(dir: string): RunInfoSegment[] {
  try {
    const parsed = JSON.parse(readFileSync(path.join(dir, RUN_INFO_FILE), 'utf8')) as { segments?: unknown };
    return Array.isArray(parsed.segments) ? parsed.segments as RunInfoSegment[] : [];
  } catch {
    return [];
  }
}

/** The folder's run.json says its run completed and was not interrupted (its checkpoint is spent). */
function finishedUninterrupted(dir: string): boolean {
  try {
    const info = JSON.parse(readFileSync(path.join(dir, RUN_INFO_FILE), 'utf8')) as { completed?: unknown; interrupted?: unknown };
    return info.completed === true && info.interrupted !== true;
  } catch {
    return false;
  }
}
