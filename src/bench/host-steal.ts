/**
 * The share of the machine's CPU time that the hypervisor gave to other guests while a benchmark
 * ran ("steal", the eighth field of the `cpu` line of Linux's /proc/stat). On a shared cloud VM it
 * can make the same code run 2–5× slower for minutes; a timing taken while it was high does not
 * compare with one taken without, so `bench` reports it beside every case.
 */
import { readFileSync } from 'node:fs';

/** Cumulative CPU time of all cores, in the kernel's ticks. */
export interface CpuTicks {
  steal: number;
  total: number;
}

/** The aggregate `cpu` line of /proc/stat's text, or null when it has none (not Linux, a format it does not know). */
export function parseProcStat(text: string): CpuTicks | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return null;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user and nice]
  if (fields.length < 8 || fields.some((x) => !Number.isFinite(x))) return null;
  const total = fields.slice(0, 8).reduce((sum, x) => sum + x, 0);
  return { steal: fields[7]!, total };
}

/** This machine's ticks now; null where /proc/stat cannot be read. */
export function readCpuTicks(): CpuTicks | null {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** Stolen share of all cores' time between two readings; null when either is missing or no time passed. */
export function stealShare(before: CpuTicks | null, after: CpuTicks | null): number | null {
  if (before === null || after === null) return null;
  const total = after.total - before.total;
  return total > 0 ? Math.max(0, after.steal - before.steal) / total : null;
}
