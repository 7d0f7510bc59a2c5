/**
 * Size limits on JSON values without serialising each one: a cheap upper bound of the UTF-8 length of
 * JSON.stringify(value) settles almost every value; only those the bound cannot clear are serialised.
 * (Bulk import checks 100 KB per profile on up to 10,000 profiles a request; stringifying each cost ten
 * times the bound.)
 */

/** Longest JSON.stringify of a number, e.g. `-0.000001234567890123456` or `-1.2345678901234567e-308`. */
const MAX_NUMBER_CHARS = 25;
/** Bytes one UTF-16 unit of a string can take in JSON: `\u001f`. */
const MAX_BYTES_PER_UNIT = 6;

/** At least Buffer.byteLength(JSON.stringify(v)); stops adding once past `budget` (the result is then just > budget). */
function upperBound(v: unknown, budget: number): number {
  if (typeof v === 'string') return 2 + MAX_BYTES_PER_UNIT * v.length;
  if (typeof v === 'number') return MAX_NUMBER_CHARS;
  if (v === null || typeof v !== 'object') return 5; // true, false, null (undefined, functions: omitted or null)
  let n = 2;
  if (Array.isArray(v)) {
    for (const item of v) {
      n += 1 + upperBound(item, budget - n);
      if (n > budget) return n;
    }
    return n;
  }
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    n += 4 + MAX_BYTES_PER_UNIT * k.length + upperBound((v as Record<string, unknown>)[k], budget - n);
    if (n > budget) return n;
  }
  return n;
}

/** The UTF-8 length of JSON.stringify(value) when it is over `limit` bytes; undefined when it is not. */
export function jsonBytesOver(value: unknown, limit: number): number | undefined {
  if (upperBound(value, limit) <= limit) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  return bytes > limit ? bytes : undefined;
}
