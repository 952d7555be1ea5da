/**
 * C's printf conversions of a double, as glibc writes them: `%.<p>f`, `%.<p>e` and `%.<p>g`
 * (the last is also what a C++ ostream prints by default, precision 6). They round the exact
 * binary value half to even, where JavaScript's toFixed/toExponential round exact ties up
 * (0.0078125 → "%f" 0.007812, toFixed(6) 0.007813), so Auryn's text files are reproduced to the
 * byte only from the exact decimal expansion, which is what this module computes (BigInt).
 */

/** |x| as an exact decimal: digits (no leading zeros) × 10^(point − digits.length). */
function exactDecimal(x: number): { digits: string; point: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = hi >>> 20;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) mantissa |= 1n << 52n;
  const exp2 = (biased === 0 ? 1 : biased) - 1075; // |x| = mantissa · 2^exp2
  if (mantissa === 0n) return { digits: '0', point: 1 };
  if (exp2 >= 0) {
    const digits = (mantissa << BigInt(exp2)).toString();
    return { digits, point: digits.length };
  }
  const digits = (mantissa * 5n ** BigInt(-exp2)).toString(); // |x| = digits · 10^exp2
  return { digits, point: digits.length + exp2 };
}

/** round(|x| · 10^frac), half to even, as a BigInt. */
function scaledRound(d: { digits: string; point: number }, frac: number): bigint {
  const keep = d.point + frac; // digits kept before rounding
  if (keep < 0) return 0n;
  const head = keep === 0 ? 0n : BigInt(d.digits.slice(0, keep).padEnd(keep, '0'));
  const rest = d.digits.slice(Math.max(keep, 0));
  if (rest === '' || /^0*$/.test(rest)) return head;
  const first = rest.charCodeAt(0) - 48;
  const beyond = /[1-9]/.test(rest.slice(1));
  const up = first > 5 || (first === 5 && (beyond || head % 2n === 1n));
  return up ? head + 1n : head;
}

function sign(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

/**
 * Whether |x| · 10^digits can lie exactly halfway between two integers: only if x has at most
 * digits + 1 binary places (a tie is (2k+1) / (2 · 10^digits), so 5^digits divides 2k+1). Else
 * JavaScript's correctly rounded conversion already is C's, and ~15 times faster than BigInt.
 */
function mayTie(x: number, digits: number): boolean {
  return Number.isInteger(x * 2 ** (digits + 1));
}

/** printf("%.<precision>f", x). */
export function formatF(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : `${sign(x)}inf`;
  if (!mayTie(x, precision) && Math.abs(x) < 1e21) return x.toFixed(precision);
  const n = scaledRound(exactDecimal(x), precision).toString().padStart(precision + 1, '0');
  const int = n.slice(0, n.length - precision);
  return `${sign(x)}${int}${precision > 0 ? `.${n.slice(n.length - precision)}` : ''}`;
}

/** Significant digits and decimal exponent of |x| rounded to `significant` digits (half to even). */
function roundSignificant(x: number, significant: number): { digits: string; exp10: number } {
  const d = exactDecimal(x);
  if (d.digits === '0') return { digits: '0'.repeat(significant), exp10: 0 };
  let exp10 = d.point - 1;
  let n = scaledRound(d, significant - 1 - exp10).toString();
  if (n.length > significant) {
    exp10 += 1; // 9.99…5 rounded up to 10.0…
    n = n.slice(0, significant);
  }
  return { digits: n, exp10 };
}

function exponent(e: number): string {
  return `e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** printf("%.<precision>e", x). */
export function formatE(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return formatF(x);
  const e10 = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
  if (x !== 0 && ![e10 - 1, e10, e10 + 1].some((e) => mayTie(x, precision - e))) {
    const js = x.toExponential(precision); // "1.234567e-2": C writes at least two exponent digits
    const at = js.indexOf('e');
    return `${js.slice(0, at)}${exponent(Number(js.slice(at + 1)))}`;
  }
  const { digits, exp10 } = roundSignificant(x, precision + 1);
  return `${sign(x)}${digits[0]}${precision > 0 ? `.${digits.slice(1)}` : ''}${exponent(exp10)}`;
}

/** printf("%.<precision>g", x): also a C++ ostream's default output of a double (precision 6). */
export function formatG(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return formatF(x);
  const p = Math.max(precision, 1);
  const { exp10 } = roundSignificant(x, p);
  const text = exp10 < -4 || exp10 >= p ? formatE(x, p - 1) : formatF(x, p - 1 - exp10);
  // %g drops trailing zeros of the fraction, and the point when nothing follows it.
  const e = text.indexOf('e');
  const mantissa = e < 0 ? text : text.slice(0, e);
  return (mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa) + (e < 0 ? '' : text.slice(e));
}
