import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { isPlainUrl, normalizeUrl } from '../../src/audience/validate';

/** normalizeUrl without its fast path: the URL parser, then the scheme and host name checks. */
function slow(value: string): boolean {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && z.regexes.domain.test(url.hostname);
}

function accepted(value: string): boolean {
  try {
    normalizeUrl(value, 'image');
    return true;
  } catch {
    return false;
  }
}

/** URL-shaped texts from pieces that matter to the parser: hosts with odd labels, IDNA prefixes, digits, ports, user info, paths. */
const label = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('example', 'images', 'com', 'io', 'cdn-1', 'org') },
  fc.constantFrom('example', 'images', 'com', 'io', 'a', 'xn--', 'xn--abc', 'xn--nxasmq6b', '0x1f', '1', '255', '-a', 'a-', 'a--b', 'EXAMPLE', 'ex_ample', 'ä'),
  fc.stringMatching(/^[a-z0-9-]{1,8}$/),
  fc.constant('a'.repeat(64)),
);
const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const tail = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', '/avatars/1.jpg') },
  fc.constantFrom('/', '/a.jpg', '/avatars/1.jpg?size=2#x', '/%zz', '/a b', '/\\x', '/a\\b', ':8080/x', '?q', '#f', '.', '/ä'),
  fc.stringMatching(/^\/[\x20-\x7e]{0,10}$/),
);
const url = fc
  .tuple(fc.oneof({ weight: 6, arbitrary: fc.constantFrom('https://', 'http://') }, fc.constantFrom('HTTP://', 'ftp://', 'https:/', 'https://user@', '')), host, tail)
  .map(([scheme, h, t]) => `${scheme}${h}${t}`);

describe('plain URLs (the fast path of image URL checks)', () => {
  it('are accepted exactly when the URL parser and host check accept them', () => {
    let plain = 0;
    fc.assert(
      fc.property(url, (value) => {
        if (isPlainUrl(value)) plain++;
        expect(accepted(value), value).toBe(slow(value));
      }),
      { numRuns: 30_000 },
    );
    // The fast path answers often: the property above tests it, not only the parser.
    expect(plain).toBeGreaterThan(2_000);
  });

  it('leave IDNA labels, ports, user info, upper case and backslashes to the URL parser', () => {
    for (const value of ['https://xn--nxasmq6b.com/a', 'https://a.com:8080/', 'https://u@a.com/', 'https://A.com/', 'https://a.com/a\\b', 'https://1.2.3.4/']) {
      expect(isPlainUrl(value), value).toBe(false);
    }
    expect(isPlainUrl('https://images.example.com/avatars/0.jpg')).toBe(true);
  });
});
