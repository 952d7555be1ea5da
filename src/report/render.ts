/**
 * SVG → pixels for `plot` (PNG) and `animate` (GIF frames): the same SVG the report inlines,
 * rendered by resvg (@resvg/resvg-js, a prebuilt native renderer shipped in the npm package)
 * with the DejaVu Sans font files of the `dejavu-fonts-ttf` package. System fonts are never
 * loaded, so text looks the same on every machine and a machine without fonts still gets labels.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Resvg as ResvgClass, ResvgRenderOptions } from '@resvg/resvg-js';

const requireCjs = createRequire(import.meta.url);

/**
 * The renderer's native module, loaded on first use: every command imports this file through
 * the command table, and loading resvg costs ~4.6 MiB of resident memory in each process of a
 * run that never draws (issue 16, point 4).
 */
let resvg: typeof ResvgClass | null = null;
function renderer(svg: string): ResvgClass {
  resvg ??= (requireCjs('@resvg/resvg-js') as { Resvg: typeof ResvgClass }).Resvg;
  return new resvg(svg, OPTIONS);
}

/** The bundled font files (DejaVu Sans regular and bold; Bitstream Vera licence, free). */
export const FONT_FILES: readonly string[] = (() => {
  const dir = path.join(path.dirname(requireCjs.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  return [path.join(dir, 'DejaVuSans.ttf'), path.join(dir, 'DejaVuSans-Bold.ttf')];
})();

/** The family every SVG text falls back to (the SVGs ask for Helvetica, Arial, sans-serif). */
export const FONT_FAMILY = 'DejaVu Sans';

const OPTIONS: ResvgRenderOptions = {
  font: {
    loadSystemFonts: false,
    fontFiles: [...FONT_FILES],
    defaultFontFamily: FONT_FAMILY,
    sansSerifFamily: FONT_FAMILY,
    serifFamily: FONT_FAMILY,
    monospaceFamily: FONT_FAMILY,
  },
  background: '#ffffff',
  logLevel: 'off',
};

export interface RgbaImage {
  width: number;
  height: number;
  /** RGBA, row-major, opaque (white background). */
  data: Uint8Array;
}

/** The SVG's pixels at its own size. */
export function svgToRgba(svg: string): RgbaImage {
  const image = renderer(svg).render();
  return { width: image.width, height: image.height, data: new Uint8Array(image.pixels) };
}

/** The SVG as PNG bytes at its own size. */
export function svgToPng(svg: string): Buffer {
  return renderer(svg).render().asPng();
}
