/**
 * How an eligibility pass is cut into chunks (src/engine/work-sharing.ts, chunkRows): the recursive
 * mode's chunk of `chunkSynapses`; a blocked pass's larger chunks (the kernel reuses a tile of the
 * block's post-side data across a chunk's rows), but enough of them left for helpers.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK_CHUNK_FACTOR, BLOCK_MIN_SHARED_CHUNKS, chunkRows } from '../src/engine/work-sharing.js';

describe('chunkRows', () => {
  it('recursive: chunkSynapses worth of rows, shared or not', () => {
    expect(chunkRows(200, 1024, 16384, false, true)).toBe(16);
    expect(chunkRows(200, 1024, 16384, false, false)).toBe(16);
    expect(chunkRows(10, 100000, 16384, false, true)).toBe(1);
  });

  it('blocked, one rank alone: BLOCK_CHUNK_FACTOR times as many (the chunks are only the watchdog\'s progress)', () => {
    expect(chunkRows(200, 1024, 16384, true, false)).toBe(16 * BLOCK_CHUNK_FACTOR);
    expect(chunkRows(8192, 256, 16384, true, false)).toBe(64 * BLOCK_CHUNK_FACTOR);
  });

  it('blocked and shared: large chunks, but at least BLOCK_MIN_SHARED_CHUNKS of them, and never smaller than the recursive chunk', () => {
    for (const [nPre, stride] of [[200, 512], [1024, 104], [200, 1024], [8192, 256], [24, 16], [7, 4]] as const) {
      const rows = chunkRows(nPre, stride, 16384, true, true);
      const recursive = chunkRows(nPre, stride, 16384, false, true);
      expect(rows, `${nPre}×${stride}`).toBeGreaterThanOrEqual(recursive);
      expect(rows, `${nPre}×${stride}`).toBeLessThanOrEqual(Math.max(recursive, 16 * BLOCK_CHUNK_FACTOR * Math.ceil(1024 / stride)));
      const chunks = Math.ceil(nPre / rows);
      if (rows > recursive) expect(chunks, `${nPre}×${stride}`).toBeGreaterThanOrEqual(BLOCK_MIN_SHARED_CHUNKS);
    }
    // 2 workers at 200-1024-200: 50 rows of 512 posts (4 chunks) instead of 32; 256 of 104 instead of 158
    expect(chunkRows(200, 512, 16384, true, true)).toBe(50);
    expect(chunkRows(1024, 104, 16384, true, true)).toBe(256);
  });
});
