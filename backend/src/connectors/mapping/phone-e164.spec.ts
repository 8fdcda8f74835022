import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { plainPhoneE164 } from './phone-e164';
import { normalizePhone } from './value-normalizers';

/** What normalizePhone took from the library before the plain path existed. */
const library = (text: string, country?: string): string => {
  const parsed = parsePhoneNumberFromString(text, country as CountryCode | undefined);
  return parsed?.isPossible() ? parsed.number : '';
};

/** A seeded generator, so a failure names an input that can be replayed. */
function random(seed: number) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const int = (n: number) => Math.floor(next() * n);
  const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');
  const separated = (text: string) =>
    [...text].map((d, i) => (i < text.length - 1 && next() < 0.25 ? d + [' ', '-', '.', ' '][int(4)] : d)).join('');
  return { next, int, digits, separated };
}

/** Inputs of every shape across every country the metadata knows, plain and not. */
function varied(count: number): Array<[string, string | undefined]> {
  const { next, int, digits, separated } = random(20261129);
  const countries = getCountries();
  const out: Array<[string, string | undefined]> = [];
  for (let i = 0; i < count; i++) {
    const country = countries[int(countries.length)];
    const callingCode = getCountryCallingCode(country);
    const national = digits(1 + int(16));
    const shapes = [
      `+${callingCode}${separated(national)}`,
      `+${callingCode} (0) ${separated(national)}`,
      `0${separated(national)}`,
      `(0${digits(1 + int(3))}) ${separated(national)}`,
      `(${digits(3)}) ${digits(3)}-${digits(4)}`,
      `${callingCode}${national}`,
      `00${callingCode}${national}`,
      `011 ${callingCode} ${national}`,
      `+${digits(1 + int(15))}`,
      separated(`${1 + int(9)}${national}`),
      `${separated(national)} ext. ${digits(3)}`,
      `+${callingCode}-${national}#${digits(2)}`,
    ];
    out.push([shapes[int(shapes.length)], next() < 0.05 ? undefined : country]);
  }
  return out;
}

describe('plainPhoneE164', () => {
  it('gives the library answer for every input of a varied sample, and answers most plain ones itself', () => {
    const sample = varied(60_000);
    const mismatches: string[] = [];
    let answered = 0;
    for (const [text, country] of sample) {
      const plain = plainPhoneE164(text, country);
      if (plain === undefined) continue;
      answered++;
      const expected = library(text, country);
      if (plain !== expected) mismatches.push(`${JSON.stringify(text)} in ${country}: ${plain} vs ${expected}`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(answered).toBeGreaterThan(sample.length / 3);
  });

  it.each([
    ['(415) 555-0132', 'US', '+14155550132'],
    ['415-555-0132', 'US', '+14155550132'],
    ['(212) 555-0101', 'CA', '+12125550101'],
    ['+1 415 555 0132', undefined, '+14155550132'],
    ['+14155550132', 'DE', '+14155550132'],
    ['030 1234567', 'DE', '+49301234567'],
    ['030 1234567', 'AT', '+43301234567'],
    ['+49 30 1234567', undefined, '+49301234567'],
    ['+49 (0) 30 1234567', 'DE', '+49301234567'],
    ['01 23 45 67 89', 'FR', '+33123456789'],
    ['0161 4960000', 'GB', '+441614960000'],
    ['02 1234567', 'IT', '+39021234567'],
    ['+33 1 23 45 67 89', 'FR', '+33123456789'],
    ['030 12', 'DE', '+493012'],
    ['01 23 45', 'FR', ''],
    ['(415) 555-01', 'US', ''],
  ])('answers the plain %j in %s itself, as the library does', (text, country, e164) => {
    expect(plainPhoneE164(text, country)).toBe(e164);
    expect(library(text, country)).toBe(e164);
  });

  it.each([
    ['(415) 555-0132 x12', 'US'],
    ['030 1234567 ext. 5', 'DE'],
    ['tel:+14155550132', undefined],
    ['0049 30 1234567', 'DE'],
    ['011 49 30 1234567', 'US'],
    ['49301234567', 'DE'],
    ['030 1234567', undefined],
    ['030 1234567', 'XX'],
    ['+0 30 1234567', 'DE'],
    ['12', 'DE'],
    ['030 ١٢٣٤٥٦٧', 'DE'],
    // London numbers are 9 digits; Jersey, Guernsey and the Isle of Man share +44 and judge 9 digits
    // differently, so which of them the library picks matters: left to it.
    ['020 7946095', 'GB'],
  ])('leaves %j in %s to the library', (text, country) => {
    expect(plainPhoneE164(text, country)).toBeUndefined();
  });

  it('leaves normalizePhone answering exactly what the library answers, plain or not', () => {
    for (const [text, country] of varied(5_000)) {
      const expected = library(text.trim(), country || undefined);
      if (expected === '') expect(() => normalizePhone(text, country)).toThrow('unreadable phone number');
      else expect(normalizePhone(text, country)).toBe(expected);
    }
  });
});
