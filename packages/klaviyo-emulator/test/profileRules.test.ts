import { describe, expect, it } from 'vitest';
import { applyAttributes, hasIdentifier, identifierErrors } from '../src/profileRules';
import type { ProfileAttrs } from '../src/profileStore';

describe('applyAttributes', () => {
  it('bulk import (nulls ignored) of a new profile keeps its location and properties, minus nulls', () => {
    const incoming: ProfileAttrs = { email: ' A@Example.com', first_name: null, location: { city: 'Oslo', zip: null }, properties: { plan: 'gold', gone: null } };
    expect(applyAttributes({}, incoming, 'ignore')).toEqual({ email: 'a@example.com', location: { city: 'Oslo' }, properties: { plan: 'gold' } });
    const clean: ProfileAttrs = { email: 'b@example.com', location: { city: 'Oslo' }, properties: { plan: 'gold' } };
    expect(applyAttributes({}, clean, 'ignore')).toEqual(clean);
  });

  it('never changes the stored attributes or the submitted ones when a later update merges into them', () => {
    const submitted: ProfileAttrs = { email: 'a@example.com', location: { city: 'Oslo', zip: '0150' }, properties: { plan: 'gold', n: 1 } };
    const stored = applyAttributes({}, submitted, 'ignore');
    const copy = structuredClone(stored);
    const patched = applyAttributes(stored, { location: { zip: null, region: 'Oslo' }, properties: { n: null, m: 2 } }, 'clear');
    expect(patched).toEqual({ email: 'a@example.com', location: { city: 'Oslo', region: 'Oslo' }, properties: { plan: 'gold', m: 2 } });
    expect(stored).toEqual(copy);
    expect(submitted).toEqual(copy);
  });
});

describe('identifier rules', () => {
  it('reports a bad e-mail before a bad phone, and nothing for valid or absent identifiers', () => {
    expect(identifierErrors({ email: 'nope', phone_number: '555' }, '/data/attributes').map((e) => e.source?.pointer)).toEqual([
      '/data/attributes/email',
      '/data/attributes/phone_number',
    ]);
    expect(identifierErrors({ email: ' a@example.com ', phone_number: '+15005550006' }, '/x')).toEqual([]);
    expect(identifierErrors({}, '/x')).toEqual([]);
  });

  it('needs a non-empty e-mail, phone or external id', () => {
    expect(hasIdentifier({ email: '', phone_number: null })).toBe(false);
    expect(hasIdentifier({ first_name: 'Ann' })).toBe(false);
    expect(hasIdentifier({ external_id: 'x' })).toBe(true);
    expect(hasIdentifier({ email: null, phone_number: '+15005550006' })).toBe(true);
  });
});
