/**
 * A fast path for the commonest phone numbers in an audience, North American ones written plainly
 * (`+1 212 555 0123`, `(212) 555-0123`, `212-555-0123`, `2125550123`), giving libphonenumber-js's own answer
 * at a tenth of its cost: the library compiles its metadata's patterns (kilobytes of regular expression)
 * anew on every call, and for a +1 number it validates against the US plan twice, once to pick the country.
 *
 * Only a valid answer is given here: a ten-digit national number N (area code 2-9) that matches the US
 * plan's general pattern and one of its type patterns is exactly a number the library calls valid, as
 * +1N. US is the first country it tries for calling code 1 (and has no leading-digits shortcut), and the
 * country of a national number when the default country is US; N starts with 2-9, so no national prefix
 * is stripped. Everything else (other shapes, other countries, numbers US patterns refuse, which may still
 * be Canadian or Caribbean) goes to the library. test/audience/nanpPhone.test.ts holds both to the same answers.
 */
import { Metadata, type MetadataJson } from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/max/metadata';

/** `+1` and separators optional, area code optionally in parentheses; groups: area, exchange, line. */
const PLAIN_NANP = /^(\+1[ .-]?)?(?:\(([2-9]\d\d)\) ?|([2-9]\d\d)[ .-]?)(\d{3})[ .-]?(\d{4})$/;

/** The library's order: fixed line first, then the other types (MOBILE among them). */
const TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];

/** What the metadata's numbering plan offers at run time (its published types name only part of it). */
interface PlanPatterns {
  nationalNumberPattern(): string;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

interface UsPlan {
  general: RegExp;
  types: RegExp[];
}

let usPlan: UsPlan | undefined;

/** The US plan's patterns for ten-digit numbers, compiled once as the library would match them (whole number). */
function compileUsPlan(): UsPlan {
  const metadata = new Metadata(maxMetadata as unknown as MetadataJson);
  metadata.selectNumberingPlan('US');
  const plan = metadata.numberingPlan as unknown as PlanPatterns;
  const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
  const types: RegExp[] = [];
  for (const name of TYPES) {
    const type = plan.type(name);
    const lengths = type?.possibleLengths();
    if (type && type.pattern() && (!lengths || lengths.includes(10))) types.push(whole(type.pattern()));
  }
  return { general: whole(plan.nationalNumberPattern()), types };
}

/**
 * `+1N` when `value` is a plainly written North American number the library would call a valid US number,
 * else undefined (ask the library). A number without `+1` counts only when the default country is US.
 */
export function plainUsPhone(value: string, defaultCountry: string): string | undefined {
  const parts = PLAIN_NANP.exec(value);
  if (!parts || (parts[1] === undefined && defaultCountry !== 'US')) return undefined;
  const national = `${parts[2] ?? parts[3]}${parts[4]}${parts[5]}`;
  usPlan ??= compileUsPlan();
  if (!usPlan.general.test(national)) return undefined;
  for (const type of usPlan.types) if (type.test(national)) return `+1${national}`;
  return undefined;
}
