/**
 * The round trip of one cache line between two threads of this process, on two cores: one thread
 * writes a counter, the other answers, each spinning on `Atomics.load`. It measures how far apart
 * the cores are that the threads run on. On a VM the host may place the vCPUs on cores that share a
 * cache or on cores of different complexes, and that can change from minute to minute: on this
 * project's 2-core AMD VM the round trip was 115–130 ns or 343–371 ns, and two blocked workers
 * ran at 0.47 or 0.52 s per simulated s accordingly, because the presynaptic rows one thread
 * writes the other reads (docs/performance-log.md). `bench` reports it beside every case, as it
 * reports the host's steal.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Round trips per measurement, and measurements per reading (the median is reported). */
const ROUND_TRIPS = 100_000;
const MEASUREMENTS = 3;

/** The answering thread: waits for each odd value and writes the next even one. */
const ANSWER = `
const { workerData } = require('node:worker_threads');
const a = new Int32Array(workerData.buffer);
Atomics.store(a, 1, 1);
for (let i = 0; i < workerData.trips; i++) {
  while (Atomics.load(a, 0) !== 2 * i + 1) {}
  Atomics.store(a, 0, 2 * i + 2);
}`;

async function measure(trips: number): Promise<number> {
  const buffer = new SharedArrayBuffer(128);
  const a = new Int32Array(buffer);
  const worker = new Worker(ANSWER, { eval: true, workerData: { buffer, trips } });
  try {
    while (Atomics.load(a, 1) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const started = process.hrtime.bigint();
    for (let i = 0; i < trips; i++) {
      Atomics.store(a, 0, 2 * i + 1);
      while (Atomics.load(a, 0) !== 2 * i + 2) { /* spin: the answer takes nanoseconds */ }
    }
    return Number(process.hrtime.bigint() - started) / trips;
  } finally {
    await worker.terminate();
  }
}

/**
 * Median nanoseconds of a round trip between two threads; null with fewer than 2 cores, where
 * the two threads would take turns on one core and the figure would measure the scheduler.
 */
export async function crossCoreRoundTripNs(trips = ROUND_TRIPS): Promise<number | null> {
  if (availableParallelism() < 2) return null;
  const readings: number[] = [];
  for (let k = 0; k < MEASUREMENTS; k++) readings.push(await measure(trips));
  readings.sort((x, y) => x - y);
  return readings[MEASUREMENTS >> 1]!;
}
