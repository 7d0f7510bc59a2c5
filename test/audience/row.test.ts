import { describe, expect, it } from 'vitest';
import { AUDIENCE_FIELDS, normalizeRow, MAX_PROFILE_BYTES } from '../../src/audience/row';
import { brokenRow } from '../../src/audience/rowModel';

function ok(raw: Record<string, unknown>, opts?: Parameters<typeof normalizeRow>[2]) {
  const result = normalizeRow(raw, 7, opts);
  if (!result.ok) throw new Error(`expected a valid row, got ${JSON.stringify(result.reject)}`);
  return result.profile.attributes;
}

function rejected(raw: Record<string, unknown>, opts?: Parameters<typeof normalizeRow>[2]) {
  const result = normalizeRow(raw, 7, opts);
  if (result.ok) throw new Error(`expected a reject, got ${JSON.stringify(result.profile)}`);
  return result.reject;
}

describe('normalizeRow', () => {
  it('knows the 20 seed fields', () => {
    expect(AUDIENCE_FIELDS).toHaveLength(20);
    expect(new Set(AUDIENCE_FIELDS).size).toBe(20);
  });

  it('trims and lower-cases the e-mail', () => {
    const result = normalizeRow({ email: '  Jane.DOE@Example.COM ' }, 1);
    expect(result).toEqual({ ok: true, email: 'jane.doe@example.com', profile: { attributes: { email: 'jane.doe@example.com' } } });
  });

  it.each([
    ['missing', {}, 'missing_email'],
    ['blank', { email: '   ' }, 'missing_email'],
    ['no domain', { email: 'jane@' }, 'invalid_email'],
    ['space inside', { email: 'jane doe@example.com' }, 'invalid_email'],
    ['double dot', { email: 'jane..doe@example.com' }, 'invalid_email'],
    ['no tld', { email: 'jane@localhost' }, 'invalid_email'],
    ['too long', { email: `${'a'.repeat(60)}@${'b'.repeat(190)}.com` }, 'invalid_email'],
  ])('rejects an e-mail that is %s', (_name, raw, reason) => {
    const reject = rejected(raw);
    expect(reject).toMatchObject({ row: 7, reason, field: 'email' });
    expect(reject.message).toContain('email');
  });

  it('keeps the (normalised) e-mail on a reject for the report', () => {
    expect(rejected({ email: ' Bad@', phone_number: '1' })).toMatchObject({ email: 'bad@', reason: 'invalid_email' });
    expect(rejected({ email: 'A@B.COM', phone_number: '12345' })).toMatchObject({ email: 'a@b.com', reason: 'invalid_phone' });
  });

  it.each([
    ['(415) 555-2671', '+14155552671'],
    ['415-555-2671', '+14155552671'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+1 (212) 555-0123', '+12125550123'],
  ])('turns phone %s into E.164 %s', (phone, e164) => {
    expect(ok({ email: 'a@b.co', phone_number: phone }).phone_number).toBe(e164);
  });

  it('reads numbers without + in the given default country (US when none is given), never from the environment', () => {
    expect(ok({ email: 'a@b.co', phone_number: '020 7946 0958' }, { defaultCountry: 'GB' }).phone_number).toBe('+442079460958');
    const previous = process.env.DEFAULT_PHONE_COUNTRY;
    process.env.DEFAULT_PHONE_COUNTRY = 'GB';
    try {
      expect(ok({ email: 'a@b.co', phone_number: '(415) 555-0100' }).phone_number).toBe('+14155550100');
    } finally {
      if (previous === undefined) delete process.env.DEFAULT_PHONE_COUNTRY;
      else process.env.DEFAULT_PHONE_COUNTRY = previous;
    }
    expect(() => normalizeRow({ email: 'a@b.co' }, 1, { defaultCountry: 'XX' })).toThrow(/XX/);
  });

  it.each(['12345', '555-01', '+1 000 000 0000', 'call me'])('rejects phone %s', (phone) => {
    expect(rejected({ email: 'a@b.co', phone_number: phone })).toMatchObject({ reason: 'invalid_phone', field: 'phone_number' });
  });

  it('rounds coordinates to 4 decimals and nests location fields', () => {
    const attributes = ok({
      email: 'a@b.co',
      address1: ' 1 Main St ',
      address2: 'Apt 2',
      city: 'New York',
      region: 'NY',
      zip: '10001',
      country: 'United States',
      latitude: '40.712776',
      longitude: '-74.005974',
      timezone: 'America/New_York',
      ip: '203.0.113.9',
    });
    expect(attributes.location).toEqual({
      address1: '1 Main St',
      address2: 'Apt 2',
      city: 'New York',
      region: 'NY',
      zip: '10001',
      country: 'United States',
      latitude: 40.7128,
      longitude: -74.006,
      timezone: 'America/New_York',
      ip: '203.0.113.9',
    });
  });

  it('accepts coordinates given as JSON numbers (NDJSON)', () => {
    expect(ok({ email: 'a@b.co', latitude: -33.868820, longitude: 151.20929 }).location).toEqual({ latitude: -33.8688, longitude: 151.2093 });
  });

  it.each([
    [{ latitude: '40.7' }, 'longitude'],
    [{ longitude: '40.7' }, 'latitude'],
    [{ latitude: '91', longitude: '0' }, 'latitude'],
    [{ latitude: '0', longitude: '-180.5' }, 'longitude'],
    [{ latitude: 'north', longitude: '0' }, 'latitude'],
    [{ latitude: '0x10', longitude: '0' }, 'latitude'],
  ])('rejects coordinates %j', (coords, field) => {
    expect(rejected({ email: 'a@b.co', ...coords })).toMatchObject({ reason: 'invalid_coordinates', field });
  });

  it('checks time zones with Intl and canonicalises their names', () => {
    expect(ok({ email: 'a@b.co', timezone: 'America/New_York' }).location?.timezone).toBe('America/New_York');
    expect(ok({ email: 'a@b.co', timezone: 'UTC' }).location?.timezone).toBe('UTC');
    expect(ok({ email: 'a@b.co', timezone: 'Etc/GMT+5' }).location?.timezone).toBe('Etc/GMT+5');
    for (const bad of ['Mars/Phobos', '+05:00', 'America/Atlantis', 'New York']) {
      expect(rejected({ email: 'a@b.co', timezone: bad })).toMatchObject({ reason: 'invalid_timezone', field: 'timezone' });
    }
  });

  it('parses properties from a JSON string and merges properties.<key> columns', () => {
    const attributes = ok({
      email: 'a@b.co',
      properties: '{"tier":"gold","points":12,"tags":["a"]}',
      'properties.tier': 'platinum',
      'properties.source': ' import ',
      'properties.empty': '',
    });
    expect(attributes.properties).toEqual({ tier: 'platinum', points: 12, tags: ['a'], source: 'import' });
  });

  it('accepts properties as an object (NDJSON) and keeps JSON types of properties.<key> values', () => {
    expect(ok({ email: 'a@b.co', properties: { vip: true }, 'properties.score': 3 }).properties).toEqual({ vip: true, score: 3 });
  });

  it.each([['[1,2]'], ['"gold"'], ['42'], ['{not json']])('rejects properties %s', (properties) => {
    expect(rejected({ email: 'a@b.co', properties })).toMatchObject({ reason: 'invalid_properties', field: 'properties' });
  });

  it('sends last_event_date as an ISO custom property', () => {
    expect(ok({ email: 'a@b.co', last_event_date: '2024-05-31' }).properties).toEqual({ last_event_date: '2024-05-31T00:00:00.000Z' });
    expect(ok({ email: 'a@b.co', last_event_date: '2024-05-31T10:00:00+02:00' }).properties).toEqual({
      last_event_date: '2024-05-31T08:00:00.000Z',
    });
    for (const bad of ['31/05/2024', '2024-02-30', '2024-05-31T10:00:00', 'yesterday']) {
      expect(rejected({ email: 'a@b.co', last_event_date: bad })).toMatchObject({ reason: 'invalid_date', field: 'last_event_date' });
    }
  });

  it('checks image URLs and IP addresses', () => {
    expect(ok({ email: 'a@b.co', image: 'https://cdn.example.com/a.png', ip: '2001:db8::1' })).toMatchObject({
      image: 'https://cdn.example.com/a.png',
      location: { ip: '2001:db8::1' },
    });
    expect(rejected({ email: 'a@b.co', image: 'ftp://example.com/a.png' })).toMatchObject({ reason: 'invalid_url', field: 'image' });
    expect(rejected({ email: 'a@b.co', image: 'not a url' })).toMatchObject({ reason: 'invalid_url' });
    expect(rejected({ email: 'a@b.co', ip: '300.1.1.1' })).toMatchObject({ reason: 'invalid_ip', field: 'ip' });
  });

  it('omits empty cells and keeps plain text fields trimmed', () => {
    const attributes = ok({
      email: 'a@b.co',
      first_name: ' Ana ',
      last_name: '',
      phone_number: '',
      external_id: 'X-1',
      organization: 'Globex, Inc.',
      title: '  ',
      image: '',
      city: '',
      latitude: '',
      longitude: '',
      properties: '',
    });
    expect(attributes).toEqual({ email: 'a@b.co', first_name: 'Ana', external_id: 'X-1', organization: 'Globex, Inc.' });
  });

  it('turns NDJSON numbers into text for text fields and rejects objects there', () => {
    expect(ok({ email: 'a@b.co', zip: 10001, external_id: 42 })).toMatchObject({ external_id: '42', location: { zip: '10001' } });
    expect(rejected({ email: 'a@b.co', first_name: { a: 1 } })).toMatchObject({ reason: 'invalid_row', field: 'first_name' });
  });

  it('with updateContacts=false sends the e-mail only and ignores the other fields', () => {
    const result = normalizeRow({ email: 'A@B.co', first_name: 'Ana', phone_number: 'bad', timezone: 'Mars/Phobos' }, 3, { updateContacts: false });
    expect(result).toEqual({ ok: true, email: 'a@b.co', profile: { attributes: { email: 'a@b.co' } } });
  });

  it('reports a row the reader found broken as invalid_row', () => {
    expect(normalizeRow(brokenRow('line is not valid JSON'), 9)).toEqual({
      ok: false,
      reject: { row: 9, reason: 'invalid_row', message: 'line is not valid JSON' },
    });
  });

  it('rejects a profile over Klaviyo\'s 100 KB limit instead of sinking its batch', () => {
    const reject = rejected({ email: 'a@b.co', properties: JSON.stringify({ notes: 'x'.repeat(MAX_PROFILE_BYTES) }) });
    expect(reject).toMatchObject({ reason: 'invalid_row', email: 'a@b.co' });
    expect(reject.message).toMatch(/100000/);
  });
});
