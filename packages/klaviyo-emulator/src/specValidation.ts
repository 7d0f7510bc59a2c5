/**
 * Request and response validation against the spec's schemas. The emulator uses the structured issues to
 * answer 400s with JSON:API pointers as Klaviyo does; tests use the string forms (exported from the package entry).
 */
import type { ErrorObject } from 'ajv';
import { compileSchema, getOperation, loadSpec, type Operation } from './openapi';

export interface ValidationResult {
  valid: boolean;
  /** Human-readable problems, e.g. `body/data/attributes: must NOT have additional properties 'phoneNumber'`. */
  errors: string[];
}

/** One problem in a request: a JSON pointer into the body, or the name of a query parameter. */
export interface RequestIssue {
  pointer?: string;
  parameter?: string;
  message: string;
}

/** Query values as an axios `params` object, a URLSearchParams, or a raw query string. */
export type QueryInput = Record<string, string | number | boolean | string[] | undefined> | URLSearchParams | string;

function issuesFrom(errors: ErrorObject[] | null | undefined): RequestIssue[] {
  return (errors ?? []).map((e) => {
    const child =
      e.keyword === 'additionalProperties'
        ? String(e.params.additionalProperty)
        : e.keyword === 'required'
          ? String(e.params.missingProperty)
          : undefined;
    const pointer = child === undefined ? e.instancePath || '/' : `${e.instancePath}/${child}`;
    const message =
      e.keyword === 'additionalProperties'
        ? `'${child}' is not a valid field`
        : e.keyword === 'required'
          ? `'${child}' is a required field`
          : `${e.message ?? e.keyword}${e.keyword === 'enum' ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`;
    return { pointer, message };
  });
}

function asStrings(issues: RequestIssue[], prefix: string): string[] {
  return issues.map((i) => (i.parameter ? `query ${i.parameter}: ${i.message}` : `${prefix}${i.pointer}: ${i.message}`));
}

/** Validates a response body for METHOD + path at the given status against the spec. */
export function validateResponse(method: string, pathTemplate: string, status: number, body: unknown): ValidationResult {
  const { template, operation } = getOperation(method, pathTemplate);
  const code = String(status);
  const empty = body === undefined || body === null || body === '';
  const declared = operation.responses[code] ?? operation.responses[`${code[0]}XX`] ?? operation.responses.default;
  if (!declared) {
    // The spec omits the 204 of some deletes (e.g. DELETE /api/lists/{id}) although Klaviyo answers 204.
    const undocumented204 = status === 204 && empty && !Object.keys(operation.responses).some((k) => k.startsWith('2'));
    if (undocumented204) return { valid: true, errors: [] };
    return { valid: false, errors: [`status ${code} is not documented for ${method} ${template}`] };
  }
  const sharedName = declared.$ref?.split('/').pop();
  const response = sharedName ? loadSpec().components.responses[sharedName] : declared;
  const content = response?.content;
  if (!content) {
    return empty ? { valid: true, errors: [] } : { valid: false, errors: [`status ${code} of ${method} ${template} has no body in the spec`] };
  }
  const schema = content['application/vnd.api+json']?.schema ?? Object.values(content)[0]?.schema;
  if (!schema) return { valid: true, errors: [] };
  // Shared error envelopes stay open (real errors carry status/links/meta); operation bodies are strict.
  const fn = compileSchema(`res ${method.toLowerCase()} ${template} ${sharedName ?? code}`, schema, !sharedName);
  const ok = fn(body);
  return { valid: ok, errors: ok ? [] : asStrings(issuesFrom(fn.errors), 'body') };
}

/** Problems in a JSON request body (strict: unknown attributes are problems, as Klaviyo rejects them). */
export function requestBodyIssues(method: string, pathTemplate: string, body: unknown): RequestIssue[] {
  const { template, operation } = getOperation(method, pathTemplate);
  const rb = operation.requestBody;
  const schema = rb?.content?.['application/vnd.api+json']?.schema ?? Object.values(rb?.content ?? {})[0]?.schema;
  const hasBody = body !== undefined && body !== null && body !== '';
  if (schema && hasBody) {
    const fn = compileSchema(`req ${method.toLowerCase()} ${template}`, schema, true);
    return fn(body) ? [] : issuesFrom(fn.errors);
  }
  if (schema && rb?.required) return [{ pointer: '/data', message: 'a request body is required' }];
  if (!schema && hasBody) return [{ pointer: '/', message: `${method.toUpperCase()} ${template} takes no body` }];
  return [];
}

function queryEntries(query: QueryInput | undefined): [string, string][] {
  if (query === undefined) return [];
  if (typeof query === 'string') return [...new URLSearchParams(query.replace(/^\?/, '')).entries()];
  if (query instanceof URLSearchParams) return [...query.entries()];
  return Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]);
}

/** Checks every `op(field,` in a Klaviyo filter expression against the operation's `x-klaviyo-filters`. */
function filterIssues(operation: Operation, filter: string): RequestIssue[] {
  const allowed = operation['x-klaviyo-filters'] ?? {};
  const issues: RequestIssue[] = [];
  for (const m of filter.matchAll(/([a-z-]+)\(\s*([A-Za-z_.$]+)\s*,/g)) {
    const op = m[1]!;
    const field = m[2]!;
    const ops = allowed[field]?.operators;
    if (!ops || !Object.values(ops).some((list) => list.includes(op))) {
      issues.push({ parameter: 'filter', message: `operator ${op} on field ${field} is not allowed` });
    }
  }
  if (!/^[a-z-]+\(.*\)$/s.test(filter.trim())) issues.push({ parameter: 'filter', message: `${JSON.stringify(filter)} is not op(field,value)` });
  return issues;
}

/** Problems in query parameters: unknown names, bad array/integer/enum values, filter fields/operators. */
export function queryIssues(method: string, pathTemplate: string, query: QueryInput | undefined): RequestIssue[] {
  const { template, operation } = getOperation(method, pathTemplate);
  const params = new Map((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]));
  const issues: RequestIssue[] = [];
  for (const [name, raw] of queryEntries(query)) {
    const p = params.get(name);
    if (!p) {
      issues.push({ parameter: name, message: `'${name}' is not a valid query parameter of ${method.toUpperCase()} ${template}` });
      continue;
    }
    const ps = p.schema ?? {};
    const value = ps.type === 'array' ? raw.split(',') : ps.type === 'integer' || ps.type === 'number' ? Number(raw) : raw;
    const fn = compileSchema(`param ${method.toLowerCase()} ${template} ${name}`, ps, true);
    if (!fn(value)) issues.push(...issuesFrom(fn.errors).map((i) => ({ parameter: name, message: `${name} ${i.message}` })));
    if (name === 'filter') issues.push(...filterIssues(operation, raw));
  }
  return issues;
}

/**
 * Validates a request: JSON body against the operation's requestBody schema (strict), and query parameters
 * (unknown names, array/integer/enum values, filter fields/operators). Headers are not checked here.
 */
export function validateRequest(method: string, pathTemplate: string, body: unknown, query?: QueryInput): ValidationResult {
  const parsed = typeof body === 'string' && body !== '' ? (JSON.parse(body) as unknown) : body;
  const issues = [...requestBodyIssues(method, pathTemplate, parsed), ...queryIssues(method, pathTemplate, query)];
  return { valid: issues.length === 0, errors: asStrings(issues, 'body') };
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
