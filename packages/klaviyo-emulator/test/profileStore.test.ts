import { describe, expect, it } from 'vitest';
import { ProfileStore } from '../src/profileStore';

describe('ProfileStore', () => {
  it('finds the owners of each identifier once, in e-mail, phone, external id order, leaving out `except`', () => {
    const store = new ProfileStore();
    const a = store.create('01A', { email: 'a@example.com', phone_number: '+15005550006' }, 1);
    const b = store.create('01B', { external_id: 'x-1' }, 1);
    expect(store.owners({ email: ' A@Example.com ', phone_number: '+15005550006', external_id: 'x-1' })).toEqual([a, b]);
    expect(store.owners({ external_id: 'x-1', phone_number: '+15005550006' })).toEqual([a, b]);
    expect(store.owners({ email: 'a@example.com', external_id: 'x-1' }, a)).toEqual([b]);
    expect(store.owners({ email: 'nobody@example.com', phone_number: null })).toEqual([]);
  });

  it('keeps the identifier indexes right when an update keeps, changes or drops identifiers', () => {
    const store = new ProfileStore();
    const p = store.create('01A', { email: 'a@example.com', phone_number: '+15005550006', external_id: 'x-1', first_name: 'Ann' }, 1);
    store.update(p, { email: 'a@example.com', phone_number: '+15005550006', external_id: 'x-1', first_name: 'Anne' }, 2);
    expect(store.byEmailAddress('A@example.com')).toBe(p);
    expect(store.owners({ phone_number: '+15005550006' })).toEqual([p]);
    expect(p).toMatchObject({ attrs: { first_name: 'Anne' }, created: 1, updated: 2 });

    store.update(p, { email: 'b@example.com', external_id: 'x-2' }, 3);
    expect(store.byEmailAddress('a@example.com')).toBeUndefined();
    expect(store.byEmailAddress('b@example.com')).toBe(p);
    expect(store.owners({ phone_number: '+15005550006' })).toEqual([]);
    expect(store.owners({ external_id: 'x-1' })).toEqual([]);
    expect(store.owners({ external_id: 'x-2' })).toEqual([p]);
  });
});
