/**
 * V8 heap settings of the `superspike` process, applied on import (main.ts imports this first).
 *
 * The young generation stays at its initial 1 MiB semi-spaces instead of growing to 16 MiB: the
 * main thread of a run only coordinates (statistics, outputs, the state's stream at block ends,
 * all allocation-free loops over typed arrays), and V8's growth heuristic, fed by the setup's
 * short-lived survivors, otherwise left ~30 MiB of committed young generation in every process for
 * the whole run. Measured on 1000-8192-1000 × 2 processes (issue 16, point 4): process 0's peak
 * 304 → 279 MiB, the 1-process peak 424 → 405. The growth factor is read each time V8 would grow
 * the space, so it can be set after start (`--max-semi-space-size` cannot: it is read once, when
 * the heap is configured) — but before the program's modules load, whose parsing alone grows the
 * space: main.ts imports this statically and everything else after it (measured 4 Dec 2026: set
 * after the modules loaded, the young generation was 16 MiB committed from the start and 15 MiB
 * of it resident by the first block). Process-wide, so it also holds for worker threads started
 * later; the library (api/) leaves the host application's heap alone and bounds only its rank
 * threads (rank-pool.ts).
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--semi-space-growth-factor=1');
