import { Metadata } from 'libphonenumber-js';

/**
 * The E.164 form libphonenumber-js gives plain phone numbers, without the library's general parse.
 *
 * `parsePhoneNumberFromString(text, country)` then `isPossible()` costs tens of µs per number (it
 * compiles regular expressions per call and tries every country that shares a calling code), and the
 * numbers of a large extract are nearly all distinct, so a memo does not help. This takes the same
 * steps for the inputs it can answer with certainty, reading the library's own metadata (patterns
 * compiled once), and answers `undefined` for anything else, which the caller hands to the library:
 * - text of digits, spaces, brackets, dots and hyphens (no extension, no letters, no IDD prefix, not
 *   starting with the country's calling code): a national number read in `country`;
 * - the same after a leading `+`: an international number;
 * - numbering plans whose national prefix for parsing is plain digits (no capturing groups, so no
 *   transform rule applies);
 * - national number lengths every country sharing the calling code judges alike, so which of those
 *   countries the library would pick cannot change the answer.
 * The result is the library's: `+<calling code><national number>` when the number is possible, ''
 * when it is not (the caller's "unreadable"). `phone-e164.spec.ts` compares both on a varied sample.
 */

/** The parts of the library's Metadata class this reads (they are untyped in its declarations). */
interface PlanMetadata {
  callingCode(): string;
  nationalPrefixForParsing(): string | undefined;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  IDDPrefix(): string;
}
interface LibraryMetadata {
  numberingPlan?: PlanMetadata;
  selectNumberingPlan(countryOrCallingCode: string): void;
  hasCountry(country: string): boolean;
  hasCallingCode(callingCode: string): boolean;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
}

/** For each national number length: what every country of a calling code says (null: they differ). */
type Verdicts = ReadonlyArray<boolean | null>;

interface Plan {
  callingCode: string;
  /** `^(?:national prefix for parsing)`, null when the plan has none. */
  nationalPrefix: RegExp | null;
  nationalNumber: RegExp;
  idd: RegExp;
  /** Lengths at which stripping the national prefix is kept (IS_POSSIBLE or TOO_LONG). */
  strippable: Verdicts;
  /** Lengths at which the number is possible (IS_POSSIBLE). */
  possible: Verdicts;
}

// The library's limits (constants.js): national numbers of 2 to 17 digits, calling codes of 1 to 3.
const MAX_NATIONAL_LENGTH = 17;
const MAX_CALLING_CODE_LENGTH = 3;
const MAX_INPUT_LENGTH = 250;
const NATIONAL_TEXT = /^[0-9(][0-9 ().-]*$/;
const INTERNATIONAL_TEXT = /^\+[0-9][0-9 ().-]*$/;
const NON_DIGITS = /[^0-9]/g;

type LengthCheck = 'IS_POSSIBLE' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH';

/** checkNumberLength of the library for one numbering plan's possible lengths (sorted ascending). */
function lengthCheck(length: number, lengths: readonly number[]): LengthCheck {
  if (lengths[0] === length) return 'IS_POSSIBLE';
  if (lengths[0] > length) return 'TOO_SHORT';
  if (lengths[lengths.length - 1] < length) return 'TOO_LONG';
  return lengths.indexOf(length, 1) >= 0 ? 'IS_POSSIBLE' : 'INVALID_LENGTH';
}

function verdicts(lengthsOfEachCountry: ReadonlyArray<readonly number[]>, test: (check: LengthCheck) => boolean) {
  const out: Array<boolean | null> = [];
  for (let length = 0; length <= MAX_NATIONAL_LENGTH; length++) {
    const answers = new Set(lengthsOfEachCountry.map((lengths) => test(lengthCheck(length, lengths))));
    out.push(answers.size === 1 ? [...answers][0] : null);
  }
  return out;
}

const metadata = new Metadata() as unknown as LibraryMetadata;
const plans = new Map<string, Plan | null>();

/** The compiled plan of a country (`DE`) or of a calling code's main country (`+49`); null when not plain. */
function planOf(key: string): Plan | null {
  let plan = plans.get(key);
  if (plan !== undefined) return plan;
  plan = compile(key);
  plans.set(key, plan);
  return plan;
}

function compile(key: string): Plan | null {
  const byCallingCode = key.startsWith('+');
  const id = byCallingCode ? key.slice(1) : key;
  if (byCallingCode ? !metadata.hasCallingCode(id) : !metadata.hasCountry(id)) return null;
  metadata.selectNumberingPlan(id);
  const selected = metadata.numberingPlan!;
  const callingCode = selected.callingCode();
  const prefix = selected.nationalPrefixForParsing();
  // Capturing groups bring transform rules and carrier codes: left to the library.
  if (prefix && !/^[0-9|]+$/.test(prefix)) return null;
  const countries = metadata.getCountryCodesForCallingCode(callingCode) ?? [];
  const lengthsOfEachCountry: number[][] = [];
  for (const country of countries) {
    metadata.selectNumberingPlan(country);
    const lengths = metadata.numberingPlan!.possibleLengths();
    if (!lengths || lengths.length === 0) return null;
    lengthsOfEachCountry.push(lengths);
  }
  if (lengthsOfEachCountry.length === 0) return null;
  return {
    callingCode,
    nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : null,
    nationalNumber: new RegExp(`^(?:${selected.nationalNumberPattern()})$`),
    idd: new RegExp(selected.IDDPrefix()),
    strippable: verdicts(lengthsOfEachCountry, (check) => check === 'IS_POSSIBLE' || check === 'TOO_LONG'),
    possible: verdicts(lengthsOfEachCountry, (check) => check === 'IS_POSSIBLE'),
  };
}

/** The library's extractNationalNumber for a plain plan; undefined when the countries' lengths disagree. */
function nationalNumberOf(digits: string, plan: Plan): string | undefined {
  const match = plan.nationalPrefix?.exec(digits);
  if (!match || match[0].length === 0) return digits;
  const stripped = digits.slice(match[0].length);
  if (plan.nationalNumber.test(digits) && !plan.nationalNumber.test(stripped)) return digits;
  const keep = plan.strippable[stripped.length];
  if (keep === null || keep === undefined) return undefined;
  return keep ? stripped : digits;
}

function answer(national: string | undefined, plan: Plan): string | undefined {
  if (national === undefined || national.length < 2 || national.length > MAX_NATIONAL_LENGTH) return undefined;
  const possible = plan.possible[national.length];
  if (possible === null || possible === undefined) return undefined;
  return possible ? `+${plan.callingCode}${national}` : '';
}

/**
 * What `parsePhoneNumberFromString(text, country)` followed by `isPossible() ? number : ''` gives, or
 * undefined when the text is not one of the plain forms this answers (ask the library then).
 * `text` is already trimmed.
 */
export function plainPhoneE164(text: string, country: string | undefined): string | undefined {
  if (text.length > MAX_INPUT_LENGTH) return undefined;
  // An unknown default country fails the library's parse whatever the text.
  if (country !== undefined && !metadata.hasCountry(country)) return undefined;
  if (INTERNATIONAL_TEXT.test(text)) {
    const digits = text.replace(NON_DIGITS, '');
    if (digits[0] === '0') return undefined;
    for (let length = 1; length <= MAX_CALLING_CODE_LENGTH && length < digits.length; length++) {
      const callingCode = digits.slice(0, length);
      if (!metadata.hasCallingCode(callingCode)) continue;
      const plan = planOf(`+${callingCode}`);
      if (!plan) return undefined;
      const rest = digits.slice(length);
      if (rest.length < 2 || rest.length > MAX_NATIONAL_LENGTH) return undefined;
      return answer(nationalNumberOf(rest, plan), plan);
    }
    return undefined;
  }
  if (country === undefined || !NATIONAL_TEXT.test(text)) return undefined;
  const plan = planOf(country);
  if (!plan) return undefined;
  const digits = text.replace(NON_DIGITS, '');
  if (digits.length < 3 || digits.length > MAX_NATIONAL_LENGTH) return undefined;
  // International numbers dialled with the IDD prefix, or with the calling code but no `+`: the library.
  if (digits.search(plan.idd) === 0 || digits.startsWith(plan.callingCode)) return undefined;
  return answer(nationalNumberOf(digits, plan), plan);
}
