import { describe, expect, it } from 'vitest';
import { fillPath, OPERATIONS } from '../../src/klaviyo/endpoints';
import { KLAVIYO_API_REVISION } from '../../src/klaviyo/apiVersion';
import { loadSpec, SPEC_REVISION } from 'klaviyo-emulator';

/** "75/s" -> 75 */
const rate = (s: string | undefined) => (s === undefined ? undefined : Number(s.split('/')[0]));

describe('operation table', () => {
  const spec = loadSpec();
  it('is checked against the spec of the revision the client sends', () => {
    expect(KLAVIYO_API_REVISION).toBe(SPEC_REVISION);
  });

  for (const [name, op] of Object.entries(OPERATIONS)) {
    it(`${name} (${op.method} ${op.path}) matches the spec's operationId, rate limit and scopes`, () => {
      const specOp = spec.paths[op.path]?.[op.method.toLowerCase()] as
        | { operationId?: string; 'x-klaviyo-ratelimit'?: { burst: string; steady: string; daily?: string }; 'x-klaviyo-scopes'?: string[]; description?: string }
        | undefined;
      expect(specOp, 'operation exists in the spec').toBeDefined();
      const [operationId, variant] = op.id.split(':');
      expect(specOp!.operationId).toBe(operationId);
      expect(specOp!['x-klaviyo-scopes']).toEqual(op.scopes);
      if (variant === undefined) {
        const limit = specOp!['x-klaviyo-ratelimit']!;
        expect({ burst: op.limit.burst, steady: op.limit.steady, daily: op.limit.daily }).toEqual({
          burst: rate(limit.burst),
          steady: rate(limit.steady),
          daily: rate(limit.daily),
        });
      } else {
        // Variants are only described in prose: "...when using the `additional-fields[list]=profile_count` parameter...: Burst: `1/s` Steady: `15/m`"
        const prose = specOp!.description!.split(variant)[1]!;
        const m = /Burst: `(\d+)\/s`<br>Steady: `(\d+)\/m`/.exec(prose)!;
        expect({ burst: op.limit.burst, steady: op.limit.steady }).toEqual({ burst: Number(m[1]), steady: Number(m[2]) });
      }
    });
  }

  it('fills and encodes path parameters', () => {
    expect(fillPath('/api/lists/{id}/profiles', { id: 'a/b c' })).toBe('/api/lists/a%2Fb%20c/profiles');
    expect(() => fillPath('/api/lists/{id}', {})).toThrow(/id missing/);
  });
});
