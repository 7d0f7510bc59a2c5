/**
 * Spec conformance helpers for tests: validate the emulator's responses and the client's requests against
 * Klaviyo's OpenAPI spec (Ajv, strict about unknown fields). The spec and the machinery live in the
 * emulator package (packages/klaviyo-emulator), which uses the same checks to reject bad requests as Klaviyo does.
 *
 *   validateResponse('GET', '/api/lists', 200, body)            -> { valid, errors: string[] }
 *   validateRequest('POST', '/api/lists', body, query?)           (path may be a template or a concrete path)
 *   assertValidResponse / assertValidRequest                       throw with every problem listed
 */
export {
  validateResponse,
  validateRequest,
  assertValidResponse,
  assertValidRequest,
  type ValidationResult,
  type QueryInput,
  matchPathTemplate,
  getOperation,
  specOperations,
  loadSpec,
  SPEC_PATH,
  SPEC_REVISION,
} from 'klaviyo-emulator';
