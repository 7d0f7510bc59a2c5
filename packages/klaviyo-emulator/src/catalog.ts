/**
 * Per-operation facts read from the spec: required scopes (`x-klaviyo-scopes`) and rate limits
 * (`x-klaviyo-ratelimit`, plus the slower limits the descriptions state for some query variants such as
 * `additional-fields[list]=profile_count`).
 */
import { loadSpec } from './openapi';

export interface RateSpec {
  burst: number; // per 1 s
  steady: number; // per 1 min
  daily?: number; // per day
}

export interface OperationFacts {
  scopes: string[];
  rate: RateSpec;
  /** Query variants with their own (slower) limits, e.g. `additional-fields[list]` = `profile_count`. */
  variants: { param: string; value: string; rate: RateSpec }[];
}

function count(raw: string | undefined, unit: string): number | undefined {
  const m = raw?.match(new RegExp(`^(\\d+)/${unit}$`));
  return m ? Number(m[1]) : undefined;
}

const VARIANT_RE = /Rate limits when using the `([^`=]+)=([^`]+)` parameter in your API request:<br>Burst: `(\d+)\/s`<br>Steady: `(\d+)\/m`/g;

const cache = new Map<string, OperationFacts>();

/** Facts for METHOD + spec template; throws when the spec lacks the operation or its rate limit. */
export function operationFacts(method: string, template: string): OperationFacts {
  const key = `${method} ${template}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const op = loadSpec().paths[template]?.[method.toLowerCase()];
  const rl = op?.['x-klaviyo-ratelimit'];
  const burst = count(rl?.burst, 's');
  const steady = count(rl?.steady, 'm');
  if (!op || burst === undefined || steady === undefined) throw new Error(`spec lacks rate limits for ${key}`);
  const variants = [...(op.description ?? '').matchAll(VARIANT_RE)].map((m) => ({
    param: m[1]!,
    value: m[2]!,
    rate: { burst: Number(m[3]), steady: Number(m[4]) },
  }));
  const facts: OperationFacts = { scopes: op['x-klaviyo-scopes'] ?? [], rate: { burst, steady, daily: count(rl?.daily, 'd') }, variants };
  cache.set(key, facts);
  return facts;
}

/** Every scope any operation in the spec requires: the default grant of a new key. */
export function allScopes(): string[] {
  const scopes = new Set<string>();
  for (const ops of Object.values(loadSpec().paths)) {
    for (const op of Object.values(ops)) for (const s of op['x-klaviyo-scopes'] ?? []) scopes.add(s);
  }
  return [...scopes].sort();
}
