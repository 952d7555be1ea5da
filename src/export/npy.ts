/**
 * numpy's `.npy` format, version 1.0, written by hand: the format is a 10-byte preamble, a
 * Python-literal header padded to a multiple of 64 bytes, then the raw little-endian data in C
 * order (see numpy's `numpy/lib/format.py`). Pure: bytes in, bytes out, no files.
 */

/** Typed arrays the encoder knows, with numpy's little-endian dtype string. */
export type NpyData = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;

export interface NpyArray {
  data: NpyData;
  /** C-order shape; its product must equal `data.length` (of `descr`'s items). `[]` is a scalar. */
  shape: readonly number[];
  /** numpy dtype string when it is not the typed array's own (text: `<U<n>`, see `npyString`). */
  descr?: string;
}

/**
 * A text scalar as numpy's fixed-width unicode (`<U<n>`: n UCS-4 code points, little-endian), so
 * `str(z["config"])` is the string. An empty string is one NUL, which numpy reads back as ''.
 */
export function npyString(text: string): NpyArray {
  const points = Uint32Array.from(text, (c) => c.codePointAt(0)!);
  const data = points.length > 0 ? points : new Uint32Array(1);
  return { data, shape: [], descr: `<U${data.length}` };
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy aligns the data to 64 bytes (since 1.16; older readers accept any multiple of 16). */
const ALIGN = 64;

export function npyDtype(data: NpyData): string {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint32Array) return '<u4';
  if (data instanceof Uint8Array) return '|u1';
  throw new TypeError('npy: unsupported typed array');
}

/** The header dictionary as numpy writes it, e.g. `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }`. */
export function npyHeader(array: NpyArray): string {
  const { shape } = array;
  const perItem = array.descr?.startsWith('<U') ? Number(array.descr.slice(2)) : 1;
  const count = shape.reduce((a, b) => a * b, 1) * perItem;
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || count !== array.data.length) {
    throw new RangeError(`npy: shape (${shape.join(', ')}) does not hold ${array.data.length} values`);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${array.descr ?? npyDtype(array.data)}', 'fortran_order': False, 'shape': ${tuple}, }`;
}

/** Preamble + padded header: everything before the data. */
export function npyPrefix(array: NpyArray): Uint8Array {
  const dict = npyHeader(array);
  // 10 bytes of preamble, the dict, spaces, and a final newline, to a multiple of ALIGN.
  const total = Math.ceil((10 + dict.length + 1) / ALIGN) * ALIGN;
  const headerLength = total - 10;
  if (headerLength > 0xffff) throw new RangeError('npy: header longer than version 1.0 allows');
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1; // major version
  out[7] = 0; // minor version
  out[8] = headerLength & 0xff;
  out[9] = headerLength >> 8;
  const text = dict.padEnd(headerLength - 1, ' ') + '\n';
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The data bytes, little-endian (a view without copying on little-endian machines). */
export function npyBody(data: NpyData): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const k = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += k) for (let b = 0; b < k; b++) out[i + b] = bytes[i + k - 1 - b]!;
  return out;
}

/** A whole `.npy` file in one buffer. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const prefix = npyPrefix(array);
  const body = npyBody(array.data);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}
