/**
 * Number and duration text exactly as Sloth (Go) writes it, so that the generated rules
 * read the same as `sloth generate` output: Prometheus durations (`model.Duration.String`,
 * `30d`, `4w`, `1d12h`) and Go's `%g` / `strconv.FormatFloat(f, 'f', -1, 64)` for floats
 * (`0.9990000000000001`, `1.0000000000047748e-05`). JavaScript and Go both print the
 * shortest digits that round-trip a float64; they differ only in where they switch to
 * exponent notation and how they write the exponent, which is what this file handles.
 */

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds of a Prometheus duration (`5m`, `1d12h`), or undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '') return undefined;
  const m = DURATION.exec(text);
  if (!m) return undefined;
  let ms = 0;
  UNITS.forEach(([, mult], i) => {
    if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * mult;
  });
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * Prometheus's `model.Duration.String()`: years and weeks only when they divide exactly
 * (`28d` is `4w`, `7d` is `1w`, `30d` stays `30d`), then d, h, m, s, ms.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`formatDuration: ${ms} is not a non-negative integer of milliseconds`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, mult] of UNITS) {
    const exact = unit === 'y' || unit === 'w';
    if (exact && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}

/** Normalise a duration to Prometheus's own spelling (`7d` -> `1w`, `90m` -> `1h30m`). */
export function normalizeDuration(text: string): string | undefined {
  const ms = parseDuration(text);
  return ms === undefined ? undefined : formatDuration(ms);
}

/** Shortest round-trip decimal digits of |x| and the decimal exponent of the first digit. */
function shortestDigits(x: number): { digits: string; exp: number } {
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e');
  return { digits: mantissa.replace('.', ''), exp: Number(exponent) };
}

function fixed(digits: string, exp: number): string {
  // value = 0.d1d2d3... * 10^(exp+1)
  const point = exp + 1;
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

function special(x: number): string | undefined {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return undefined;
}

/** Go's `fmt.Sprintf("%g", x)` / `%v` for a float64. */
export function goFloat(x: number): string {
  const s = special(x);
  if (s !== undefined) return s;
  const { digits, exp } = shortestDigits(x);
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return sign + fixed(digits, exp);
}

/** Go's `strconv.FormatFloat(x, 'f', -1, 64)`: shortest digits, never an exponent. */
export function goFloatFixed(x: number): string {
  const s = special(x);
  if (s !== undefined) return s;
  const { digits, exp } = shortestDigits(x);
  return (x < 0 ? '-' : '') + fixed(digits, exp);
}
