import { describe, expect, it } from 'vitest';
import { defaultWorkflowId, scheduleIdForList, slugify } from '../../src/cli/naming';

describe('ids derived from the list name', () => {
  it('slugs names and keeps distinct names distinct', () => {
    expect(slugify('Spring VIP')).toBe('spring-vip');
    expect(slugify('  Café — Déjà Vu!! ')).toBe('cafe-deja-vu');
    expect(slugify('日本')).toMatch(/^list-[0-9a-f]{10}$/);
    expect(slugify('日本')).not.toBe(slugify('中国'));
  });

  it('gives one schedule id per list', () => {
    expect(scheduleIdForList('Spring VIP')).toBe('audience-sync-spring-vip');
  });

  it('stamps workflow ids with the UTC time, in the form Temporal gives scheduled runs', () => {
    expect(defaultWorkflowId('Spring VIP', new Date('2026-08-01T06:05:09.123Z'))).toBe('audience-sync-spring-vip-2026-08-01T06:05:09Z');
  });
});
