/**
 * Typed views of a process's shared memory with the layout's per-rank regions at hand: the
 * common ground of the modules that read or write any rank's arrays while the ranks are parked
 * (snapshot.ts reads them in global order, restore.ts writes a saved state back).
 */
import type { ConnectionRegion, GroupRegion, MemoryLayout } from '../network/layout.js';

export class RegionView {
  protected readonly f32: Float32Array;
  protected readonly i32: Int32Array;
  protected readonly u32: Uint32Array;
  protected readonly ranks: number;

  constructor(memory: WebAssembly.Memory, protected readonly layout: MemoryLayout) {
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.ranks = layout.ranks;
  }

  protected conn(r: number, c: number): ConnectionRegion {
    return this.layout.rankRegions[r]!.connections[c]!;
  }

  protected group(r: number, g: number): GroupRegion {
    return this.layout.rankRegions[r]!.groups[g]!;
  }
}
