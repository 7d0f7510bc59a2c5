/**
 * Loads Klaviyo's vendored OpenAPI spec (revision 2026-07-15) and compiles its schemas with Ajv.
 * specValidation.ts builds request/response validation on top; the emulator uses it to reject bad requests
 * as Klaviyo does, and tests (here and, through the package entry, the root project's) to prove conformance.
 *
 * The spec is OpenAPI 3.0 (draft-04-like schemas with `nullable`); it is normalised once:
 * - `$ref: #/components/schemas/X` is rewritten to point into one registered document;
 * - `nullable: true` becomes an explicit `null` type (or `anyOf [..., null]` next to `$ref`/`oneOf`);
 * - `allOf` is merged into one schema (its members add nested `attributes` properties to a shared resource);
 * - STRICT: every object schema that lists `properties` and says nothing about `additionalProperties` is
 *   closed (`additionalProperties: false`). Klaviyo ignores/rejects unknown attributes (e.g. camelCase
 *   `phoneNumber`), so an unknown key in a request or response is drift. Free-form objects (no
 *   `properties`, e.g. profile custom `properties`) stay open. The shared error envelopes
 *   (ClientError/ServerError) stay open because real errors also carry `status`, `links` and `meta`.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Schema = Record<string, unknown>;

/** The API revision the emulator implements: its spec's, and the newest `revision` header it accepts. */
export const SPEC_REVISION = '2026-07-15';
/** Klaviyo's official OpenAPI spec for SPEC_REVISION, shipped in this package's spec/ (one level up from src/ and dist/ alike). */
export const SPEC_PATH = join(__dirname, '..', 'spec', `klaviyo-openapi-${SPEC_REVISION}.json`);
const DOC_ID = 'klaviyo-spec.json';
const SCHEMA_REF = '#/components/schemas/';

export interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
  'x-klaviyo-filters'?: Record<string, { operators: Record<string, string[]> }>;
  'x-klaviyo-scopes'?: string[];
  'x-klaviyo-ratelimit'?: { burst: string; steady: string; daily?: string };
  description?: string;
}
export interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, { content?: Record<string, { schema?: Schema }> }> };
}

let cachedSpec: Spec | undefined;
/** The raw spec, parsed once per process. */
export function loadSpec(): Spec {
  cachedSpec ??= JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
  return cachedSpec;
}

function isObj(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolveRef(spec: Spec, ref: string): Schema {
  if (!ref.startsWith(SCHEMA_REF)) throw new Error(`unsupported $ref ${ref}`);
  const found = spec.components.schemas[ref.slice(SCHEMA_REF.length)];
  if (!found) throw new Error(`dangling $ref ${ref}`);
  return found;
}

/** Deep-merges allOf members: nested `properties` merge per key, `required` unions. */
function mergeSchemas(spec: Spec, a: Schema, b: Schema): Schema {
  const left = typeof a.$ref === 'string' ? { ...resolveRef(spec, a.$ref), ...withoutRef(a) } : a;
  const right = typeof b.$ref === 'string' ? { ...resolveRef(spec, b.$ref), ...withoutRef(b) } : b;
  const out: Schema = { ...right, ...left };
  if (isObj(left.properties) || isObj(right.properties)) {
    const props: Schema = { ...((right.properties as Schema) ?? {}) };
    for (const [k, v] of Object.entries((left.properties as Schema) ?? {})) {
      props[k] = isObj(props[k]) && isObj(v) ? mergeSchemas(spec, v, props[k] as Schema) : v;
    }
    out.properties = props;
  }
  const req = [...((left.required as string[]) ?? []), ...((right.required as string[]) ?? [])];
  if (req.length) out.required = [...new Set(req)];
  if (left.nullable || right.nullable) out.nullable = true;
  return out;
}
function withoutRef(s: Schema): Schema {
  const { $ref: _ignored, ...rest } = s;
  return rest;
}

/** Turns one OpenAPI schema node into a JSON-schema node Ajv understands (see file comment). */
function normalize(spec: Spec, input: Schema, strict: boolean): Schema {
  let s: Schema = { ...input };
  if (Array.isArray(s.allOf)) {
    const { allOf, ...rest } = s;
    s = (allOf as Schema[]).reduce((acc, m) => mergeSchemas(spec, acc, m), rest);
    delete s.allOf;
  }
  const nullable = s.nullable === true;
  delete s.nullable;
  if (typeof s.$ref === 'string') {
    const ref = { $ref: DOC_ID + s.$ref };
    return nullable ? { anyOf: [ref, { type: 'null' }] } : ref;
  }
  if (isObj(s.properties)) {
    s.properties = Object.fromEntries(
      Object.entries(s.properties).map(([k, v]) => [k, isObj(v) ? normalize(spec, v, strict) : v]),
    );
    if (strict && s.additionalProperties === undefined) s.additionalProperties = false;
  }
  if (isObj(s.items)) s.items = normalize(spec, s.items, strict);
  if (isObj(s.additionalProperties)) s.additionalProperties = normalize(spec, s.additionalProperties, strict);
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(s[key])) s[key] = (s[key] as Schema[]).map((m) => normalize(spec, m, strict));
  }
  if (!nullable) return s;
  if (typeof s.type === 'string') {
    s.type = [s.type, 'null'];
    if (Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null];
    return s;
  }
  return { anyOf: [s, { type: 'null' }] };
}

let ajvInstance: Ajv | undefined;
function ajv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const spec = loadSpec();
  const a = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(a);
  a.addFormat('binary', true);
  const schemas = Object.fromEntries(
    Object.entries(spec.components.schemas).map(([k, v]) => [k, normalize(spec, v, true)]),
  );
  a.addSchema({ $id: DOC_ID, components: { schemas } });
  ajvInstance = a;
  return a;
}

const compiled = new Map<string, ValidateFunction>();
/** Compiles (once per cache key) an OpenAPI schema node; `strict` closes object schemas (see file comment). */
export function compileSchema(cacheKey: string, schema: Schema, strict: boolean): ValidateFunction {
  let fn = compiled.get(cacheKey);
  if (!fn) {
    fn = ajv().compile(normalize(loadSpec(), schema, strict));
    compiled.set(cacheKey, fn);
  }
  return fn;
}


const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Finds the spec path template for a template or a concrete path (`/api/lists/Y6nRLr/profiles?x=1`
 * -> `/api/lists/{id}/profiles`). Templates with fewer parameters win (literal segments first).
 */
export function matchPathTemplate(pathOrTemplate: string): string | undefined {
  const spec = loadSpec();
  const path = pathOrTemplate.split('?')[0]!;
  if (spec.paths[path]) return path;
  const candidates = Object.keys(spec.paths)
    .filter((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path))
    .sort((x, y) => (x.match(/\{/g)?.length ?? 0) - (y.match(/\{/g)?.length ?? 0));
  return candidates[0];
}

/** The spec operation for METHOD + path (template or concrete); throws if the spec has none. */
export function getOperation(method: string, pathOrTemplate: string): { template: string; operation: Operation } {
  const template = matchPathTemplate(pathOrTemplate);
  const operation = template ? loadSpec().paths[template]?.[method.toLowerCase()] : undefined;
  if (!template || !operation) throw new Error(`spec has no operation ${method.toUpperCase()} ${pathOrTemplate}`);
  return { template, operation };
}

/** Every METHOD + template in the spec (handy for coverage checks). */
export function specOperations(): { method: string; template: string }[] {
  return Object.entries(loadSpec().paths).flatMap(([template, ops]) =>
    Object.keys(ops)
      .filter((m) => HTTP_METHODS.includes(m))
      .map((m) => ({ method: m.toUpperCase(), template })),
  );
}
