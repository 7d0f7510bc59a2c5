/**
 * Validates requests and responses against Klaviyo's vendored OpenAPI spec (revision 2026-07-15) with Ajv.
 * Used by the emulator's conformance tests (responses) and the client's tests (requests), so drift on either
 * side fails loudly.
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
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;
type Schema = Record<string, unknown>;

export const SPEC_PATH = join(__dirname, '..', '..', 'spec', 'klaviyo-openapi-2026-07-15.json');
const DOC_ID = 'klaviyo-spec.json';
const SCHEMA_REF = '#/components/schemas/';
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export interface ValidationResult {
  valid: boolean;
  /** Human-readable problems, e.g. `/data/attributes: must NOT have additional property 'phoneNumber'`. */
  errors: string[];
}

interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
  'x-klaviyo-filters'?: Record<string, { operators: Record<string, string[]> }>;
  'x-klaviyo-scopes'?: string[];
  'x-klaviyo-ratelimit'?: { burst: string; steady: string; daily?: string };
  description?: string;
}
interface Spec {
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
function compile(cacheKey: string, schema: Schema, strict: boolean): ValidateFunction {
  let fn = compiled.get(cacheKey);
  if (!fn) {
    fn = ajv().compile(normalize(loadSpec(), schema, strict));
    compiled.set(cacheKey, fn);
  }
  return fn;
}

function describe(errors: ErrorObject[] | null | undefined, prefix: string): string[] {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
    const allowed = e.keyword === 'enum' ? ` ${JSON.stringify(e.params.allowedValues)}` : '';
    return `${prefix}${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}${allowed}`;
  });
}

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

/** Validates a response body for METHOD + path at the given status against the spec. */
export function validateResponse(method: string, pathTemplate: string, status: number, body: unknown): ValidationResult {
  const { template, operation } = getOperation(method, pathTemplate);
  const code = String(status);
  const declared = operation.responses[code] ?? operation.responses[`${code[0]}XX`] ?? operation.responses.default;
  if (!declared) return { valid: false, errors: [`status ${code} is not documented for ${method} ${template}`] };
  const sharedName = declared.$ref?.split('/').pop();
  const response = sharedName ? loadSpec().components.responses[sharedName] : declared;
  const content = response?.content;
  if (!content) {
    const empty = body === undefined || body === null || body === '';
    return empty ? { valid: true, errors: [] } : { valid: false, errors: [`status ${code} of ${method} ${template} has no body in the spec`] };
  }
  const schema = content['application/vnd.api+json']?.schema ?? Object.values(content)[0]?.schema;
  if (!schema) return { valid: true, errors: [] };
  // Shared error envelopes stay open (see file comment); operation-specific bodies are strict.
  const strict = !sharedName;
  const fn = compile(`res ${method.toLowerCase()} ${template} ${sharedName ?? code}`, schema, strict);
  const ok = fn(body);
  return { valid: ok, errors: ok ? [] : describe(fn.errors, 'body') };
}

/** Query values as an axios `params` object, a URLSearchParams, or a raw query string. */
export type QueryInput = Record<string, string | number | boolean | string[] | undefined> | URLSearchParams | string;

function queryEntries(query: QueryInput | undefined): [string, string][] {
  if (query === undefined) return [];
  if (typeof query === 'string') return [...new URLSearchParams(query.replace(/^\?/, '')).entries()];
  if (query instanceof URLSearchParams) return [...query.entries()];
  return Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]);
}

/** Checks every `op(field,` in a Klaviyo filter expression against the operation's `x-klaviyo-filters`. */
function filterErrors(operation: Operation, filter: string): string[] {
  const allowed = operation['x-klaviyo-filters'] ?? {};
  const errors: string[] = [];
  for (const m of filter.matchAll(/([a-z-]+)\(\s*([A-Za-z_.$]+)\s*,/g)) {
    const [, op, field] = m as unknown as [string, string, string];
    const ops = allowed[field]?.operators;
    const ok = ops && Object.values(ops).some((list) => list.includes(op));
    if (!ok) errors.push(`query filter: operator ${op} on field ${field} is not allowed`);
  }
  if (!/^[a-z-]+\(.*\)$/s.test(filter.trim())) errors.push(`query filter: ${JSON.stringify(filter)} is not op(field,value)`);
  return errors;
}

/**
 * Validates a request: JSON body against the operation's requestBody schema (strict), and query parameters
 * (unknown names, array/integer/enum values, filter fields/operators). Headers are not checked here.
 */
export function validateRequest(method: string, pathTemplate: string, body: unknown, query?: QueryInput): ValidationResult {
  const { template, operation } = getOperation(method, pathTemplate);
  const errors: string[] = [];
  const rb = operation.requestBody;
  const schema = rb?.content?.['application/vnd.api+json']?.schema ?? Object.values(rb?.content ?? {})[0]?.schema;
  const hasBody = body !== undefined && body !== null && body !== '';
  if (schema && hasBody) {
    const fn = compile(`req ${method.toLowerCase()} ${template}`, schema, true);
    if (!fn(typeof body === 'string' ? JSON.parse(body) : body)) errors.push(...describe(fn.errors, 'body'));
  } else if (schema && rb?.required && !hasBody) {
    errors.push(`body: required by ${method.toUpperCase()} ${template}`);
  } else if (!schema && hasBody) {
    errors.push(`body: ${method.toUpperCase()} ${template} takes no body`);
  }
  const params = new Map((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]));
  for (const [name, raw] of queryEntries(query)) {
    const p = params.get(name);
    if (!p) {
      errors.push(`query ${name}: not a parameter of ${method.toUpperCase()} ${template}`);
      continue;
    }
    const ps = p.schema ?? {};
    const value = ps.type === 'array' ? raw.split(',') : ps.type === 'integer' || ps.type === 'number' ? Number(raw) : raw;
    const fn = compile(`param ${method.toLowerCase()} ${template} ${name}`, ps, true);
    if (!fn(value)) errors.push(...describe(fn.errors, `query ${name}`));
    if (name === 'filter') errors.push(...filterErrors(operation, raw));
  }
  return { valid: errors.length === 0, errors };
}

/** Throwing variants for tests: the message lists every problem. */
export function assertValidResponse(method: string, pathTemplate: string, status: number, body: unknown): void {
  const r = validateResponse(method, pathTemplate, status, body);
  if (!r.valid) throw new Error(`${method.toUpperCase()} ${pathTemplate} ${status} response violates the spec:\n${r.errors.join('\n')}`);
}
export function assertValidRequest(method: string, pathTemplate: string, body: unknown, query?: QueryInput): void {
  const r = validateRequest(method, pathTemplate, body, query);
  if (!r.valid) throw new Error(`${method.toUpperCase()} ${pathTemplate} request violates the spec:\n${r.errors.join('\n')}`);
}

/** Every METHOD + template in the spec (handy for coverage checks). */
export function specOperations(): { method: string; template: string }[] {
  const spec = loadSpec();
  return Object.entries(spec.paths).flatMap(([template, ops]) =>
    Object.keys(ops)
      .filter((m) => HTTP_METHODS.includes(m))
      .map((m) => ({ method: m.toUpperCase(), template })),
  );
}

/** Deep JSON type alias for callers that build bodies by hand. */
export type JsonBody = Json;
