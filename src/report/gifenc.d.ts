/** Types for the parts of gifenc 1.x (plain JavaScript, no bundled types) that superspike uses. */
declare module 'gifenc' {
  /** Colours as [r, g, b] or [r, g, b, a], 0-255. */
  export type Palette = number[][];

  export interface WriteFrameOptions {
    /** Colour table: required on the first frame (global table), optional after (local table). */
    palette?: Palette;
    first?: boolean;
    transparent?: boolean;
    transparentIndex?: number;
    /** Frame delay in milliseconds (stored in 1/100 s). */
    delay?: number;
    /** -1 once, 0 forever, n > 0 that many repetitions. */
    repeat?: number;
    colorDepth?: number;
    dispose?: number;
  }

  export interface GIFEncoderInstance {
    writeFrame(index: Uint8Array, width: number, height: number, opts?: WriteFrameOptions): void;
    writeHeader(): void;
    finish(): void;
    /** A copy of the encoded bytes. */
    bytes(): Uint8Array;
    /** A view of the encoded bytes (no copy). */
    bytesView(): Uint8Array;
    reset(): void;
    readonly buffer: ArrayBuffer;
  }

  export function GIFEncoder(opts?: { auto?: boolean; initialCapacity?: number }): GIFEncoderInstance;
  export function quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number, options?: Record<string, unknown>): Palette;
  export function applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: Palette, format?: string): Uint8Array;
  export function nearestColorIndex(palette: Palette, pixel: number[]): number;

  const _default: typeof GIFEncoder;
  export default _default;
}
