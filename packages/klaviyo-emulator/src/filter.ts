/**
 * Klaviyo's filter language, the subset the emulator evaluates: `equals(field,"v")`, `any(field,["a","b"])`,
 * `and(...)`, and comma-separated conditions. String literals must be double-quoted (single quotes or bare
 * words where a string is expected are rejected, as Klaviyo does): anything unparsable is
 * 400 "Invalid filter provided".
 */
import { ApiError } from './jsonapi';

export type FilterValue = string | number | boolean | null | FilterValue[];
export interface Condition {
  op: string;
  field: string;
  value: FilterValue;
}

export function invalidFilter(detail = 'Invalid filter provided'): ApiError {
  return new ApiError(400, [{ code: 'invalid', title: 'Invalid input.', detail, source: { parameter: 'filter' } }]);
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseAll(): Condition[] {
    const out = this.conditions();
    this.ws();
    if (this.i !== this.s.length) throw invalidFilter();
    return out;
  }

  private conditions(): Condition[] {
    const out = [...this.condition()];
    while (this.eat(',')) out.push(...this.condition());
    return out;
  }

  private condition(): Condition[] {
    this.ws();
    const op = this.match(/^[a-z][a-z-]*/);
    if (!op || !this.eat('(')) throw invalidFilter();
    if (op === 'and') {
      const inner = this.conditions();
      if (!this.eat(')')) throw invalidFilter();
      return inner;
    }
    this.ws();
    const field = this.match(/^[A-Za-z_$][A-Za-z0-9_.$-]*/);
    if (!field || !this.eat(',')) throw invalidFilter();
    const value = this.value();
    if (!this.eat(')')) throw invalidFilter();
    return [{ op, field, value }];
  }

  private value(): FilterValue {
    this.ws();
    if (this.eat('[')) {
      const items: FilterValue[] = [];
      if (this.eat(']')) return items;
      do items.push(this.value());
      while (this.eat(','));
      if (!this.eat(']')) throw invalidFilter();
      return items;
    }
    if (this.s[this.i] === '"') {
      const raw = this.match(/^"(?:[^"\\]|\\.)*"/);
      if (!raw) throw invalidFilter();
      // A raw control character in the literal is malformed input: a 400, as any other bad filter.
      try {
        return JSON.parse(raw) as string;
      } catch {
        throw invalidFilter();
      }
    }
    const bare = this.match(/^[A-Za-z0-9:.+-]+/);
    if (bare === 'true' || bare === 'false') return bare === 'true';
    if (bare === 'null') return null;
    if (bare && /^-?\d+(\.\d+)?$/.test(bare)) return Number(bare);
    // Bare dates (greater-than(created,2024-01-01T00:00:00Z)) are allowed; bare words are not strings.
    if (bare && /^\d{4}-\d{2}-\d{2}/.test(bare)) return bare;
    throw invalidFilter();
  }

  private ws(): void {
    while (this.s[this.i] === ' ') this.i++;
  }

  private eat(ch: string): boolean {
    this.ws();
    if (this.s[this.i] !== ch) return false;
    this.i++;
    return true;
  }

  private match(re: RegExp): string | undefined {
    const m = re.exec(this.s.slice(this.i));
    if (!m) return undefined;
    this.i += m[0].length;
    return m[0];
  }
}

/** Parses `filter`; `allowed` maps field -> operators this endpoint evaluates. Null when no filter given. */
export function parseFilter(raw: string | null, allowed: Record<string, string[]>): Condition[] | null {
  if (raw === null) return null;
  const conditions = new Parser(raw).parseAll();
  for (const c of conditions) {
    if (!allowed[c.field]?.includes(c.op)) throw invalidFilter();
    const isList = Array.isArray(c.value);
    if ((c.op === 'any') !== isList) throw invalidFilter();
    if (isList ? (c.value as FilterValue[]).some((v) => typeof v !== 'string') : typeof c.value !== 'string') throw invalidFilter();
  }
  return conditions;
}

/** The set of string values a condition accepts (`equals` -> one, `any` -> many). */
export function conditionValues(c: Condition): string[] {
  return (Array.isArray(c.value) ? c.value : [c.value]) as string[];
}
