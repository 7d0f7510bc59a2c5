import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { plainUsPhone } from '../../src/audience/nanpPhone';
import { normalizePhone } from '../../src/audience/validate';

/** libphonenumber-js alone: E.164 when valid, else undefined. */
function library(value: string, country: CountryCode): string | undefined {
  const parsed = parsePhoneNumberFromString(value, country);
  return parsed?.isValid() ? parsed.number : undefined;
}

function normalized(value: string, country: CountryCode): string | undefined {
  try {
    return normalizePhone(value, country);
  } catch {
    return undefined;
  }
}

const SHAPES: ((a: string, e: string, l: string) => string)[] = [
  (a, e, l) => `(${a}) ${e}-${l}`,
  (a, e, l) => `(${a})${e}-${l}`,
  (a, e, l) => `${a}-${e}-${l}`,
  (a, e, l) => `${a}.${e}.${l}`,
  (a, e, l) => `${a} ${e} ${l}`,
  (a, e, l) => `${a}${e}${l}`,
  (a, e, l) => `+1 ${a} ${e} ${l}`,
  (a, e, l) => `+1-${a}-${e}-${l}`,
  (a, e, l) => `+1 (${a}) ${e}-${l}`,
  (a, e, l) => `+1${a}${e}${l}`,
];

const digits = (n: number, length: number) => String(n).padStart(length, '0');

describe('the plain North American phone fast path', () => {
  it('gives the library answer for every area code, in every shape, with US and other default countries', () => {
    let fast = 0;
    for (let area = 200; area <= 999; area++) {
      for (const exchange of [11, 200, 555, 999]) {
        const line = digits((area * 37 + exchange * 101) % 10_000, 4);
        for (const shape of SHAPES) {
          const value = shape(String(area), digits(exchange, 3), line);
          for (const country of ['US', 'CA'] as CountryCode[]) {
            const answer = plainUsPhone(value, country);
            if (answer !== undefined) {
              fast++;
              expect(answer, `${value} (${country})`).toBe(library(value, country));
            }
            expect(normalized(value, country), `${value} (${country})`).toBe(library(value, country));
          }
        }
      }
    }
    // The fast path answers most of them: it is not a test of the library against itself.
    expect(fast).toBeGreaterThan(10_000);
  });

  it('agrees with the library on any ten digits, plain or not', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{10}$/),
        fc.constantFrom(...SHAPES),
        fc.constantFrom<CountryCode>('US', 'CA', 'PR', 'GB'),
        (ten, shape, country) => {
          const value = shape(ten.slice(0, 3), ten.slice(3, 6), ten.slice(6));
          expect(normalized(value, country)).toBe(library(value, country));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('leaves other shapes and countries to the library', () => {
    for (const value of ['+44 20 7946 0958', '1-212-555-0123', '212 555 0123 x12', '(212 555-0123', '+1 212 555 01234', '+12 212 555 0123', '212-5550123 ']) {
      expect(plainUsPhone(value, 'US'), value).toBeUndefined();
    }
    // Toronto: valid, but not by the US plan; the library finds CA.
    expect(plainUsPhone('+1 416 555 0199', 'US')).toBeUndefined();
    expect(normalized('+1 416 979 0199', 'US')).toBe(library('+1 416 979 0199', 'US'));
    expect(plainUsPhone('212-555-0123', 'CA')).toBeUndefined();
    expect(plainUsPhone('212-555-0123', 'US')).toBe('+12125550123');
  });
});
