import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { plainPhoneE164 } from './phone-e164';

/** A source value that cannot become a canonical value; the record becomes a reject with this reason. */
export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

export const NORMALIZERS = [
  'string',
  'upper',
  'email',
  'country',
  'phone',
  'paymentTerms',
  'number',
  'boolean',
  'date',
] as const;
export type NormalizerName = (typeof NORMALIZERS)[number];

export interface NormalizeContext {
  /** ISO-2 country of the record, used to read national phone numbers. */
  country?: string;
}

const ALIASES: Record<string, string> = {
  USA: 'US',
  'UNITED STATES OF AMERICA': 'US',
  AMERICA: 'US',
  UK: 'GB',
  'GREAT BRITAIN': 'GB',
  ENGLAND: 'GB',
  DEUTSCHLAND: 'DE',
  HOLLAND: 'NL',
  'THE NETHERLANDS': 'NL',
  ESPAÑA: 'ES',
  ÖSTERREICH: 'AT',
  SCHWEIZ: 'CH',
  SUISSE: 'CH',
  BELGIQUE: 'BE',
  ITALIA: 'IT',
  POLSKA: 'PL',
  SVERIGE: 'SE',
  NORGE: 'NO',
  DANMARK: 'DK',
  DEU: 'DE',
  FRA: 'FR',
  GBR: 'GB',
  NLD: 'NL',
  ESP: 'ES',
  ITA: 'IT',
  BEL: 'BE',
  AUT: 'AT',
  CHE: 'CH',
  POL: 'PL',
  SWE: 'SE',
  CAN: 'CA',
  MEX: 'MX',
  IRL: 'IE',
  PRT: 'PT',
};

/** Region codes ICU names that are not current ISO 3166-1 countries (withdrawn or reserved). */
const NOT_COUNTRIES = new Set([
  'DD',
  'FX',
  'YU',
  'ZR',
  'TP',
  'CS',
  'SU',
  'BU',
  'NT',
  'AN',
  'QO',
  'EU',
  'EZ',
  'UN',
  'XA',
  'XB',
  'ZZ',
]);

let countryNames: Map<string, string> | undefined;
/** English region names from ICU (Node ships full ICU), upper-cased, to ISO 3166-1 alpha-2. */
function countryByName(): Map<string, string> {
  if (countryNames) return countryNames;
  countryNames = new Map(Object.entries(ALIASES));
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = names.of(code);
      if (name && name !== code && !NOT_COUNTRIES.has(code)) {
        countryNames.set(code, code);
        if (!countryNames.has(name.toUpperCase())) countryNames.set(name.toUpperCase(), code);
      }
    }
  }
  return countryNames;
}

/** Countries already read, by source text: a record has up to three (billing, shipping, its own). */
const countryMemo = new Map<string, string>();
const COUNTRY_MEMO_SIZE = 10_000;

export function normalizeCountry(value: string): string {
  const known = countryMemo.get(value);
  if (known !== undefined) return known;
  const key = value.trim().replace(/\s+/g, ' ').toUpperCase();
  if (key === '') return '';
  const code = countryByName().get(key);
  if (!code) throw new MappingError(`unknown country "${value}"`);
  if (countryMemo.size >= COUNTRY_MEMO_SIZE) countryMemo.clear();
  countryMemo.set(value, code);
  return code;
}

/**
 * Phones the library parsed, by country and text ('' = unreadable). Its parse is the costliest step of
 * mapping a record (tens of µs, most of it picking the country among those sharing a calling code), and
 * extracts meet the same numbers again (switchboards, shared lines, every later snapshot). Cleared when
 * full. Plain numbers (`plainPhoneE164`) get the library's answer in about a µs and skip both.
 */
const phoneMemo = new Map<string, string>();
const PHONE_MEMO_SIZE = 50_000;

/** E.164 when the number can be read (national numbers with the record's country); otherwise an error. */
export function normalizePhone(value: string, country?: string): string {
  const trimmed = value.trim();
  if (trimmed === '') return '';
  let e164 = plainPhoneE164(trimmed, country || undefined);
  if (e164 === undefined) {
    const key = `${country ?? ''}|${trimmed}`;
    e164 = phoneMemo.get(key);
    if (e164 === undefined) {
      const parsed = parsePhoneNumberFromString(trimmed, (country || undefined) as CountryCode | undefined);
      e164 = parsed?.isPossible() ? parsed.number : '';
      if (phoneMemo.size >= PHONE_MEMO_SIZE) phoneMemo.clear();
      phoneMemo.set(key, e164);
    }
  }
  if (e164 === '') throw new MappingError(`unreadable phone number "${value}"`);
  return e164;
}

/** `N30`, `Net 30`, `NET30`, `30 days net` → `NET30`; `Cash on Delivery` → `COD`; `Prepay` → `PREPAID`. */
export function normalizePaymentTerms(value: string): string {
  const key = value.trim().toUpperCase();
  if (key === '') return '';
  if (/^(COD|CASH ON DELIVERY)$/.test(key)) return 'COD';
  if (/^(PREPAY|PREPAID|PREPAYMENT)$/.test(key)) return 'PREPAID';
  if (/^(DUE ON RECEIPT|DUE_ON_RECEIPT|IMMEDIATE|NET ?0)$/.test(key)) return 'DUE_ON_RECEIPT';
  const net = /^(?:N|NET)[\s_-]*(\d{1,3})$/.exec(key) ?? /^(\d{1,3})[\s_-]*(?:DAYS?)?[\s_-]*(?:NET)?$/.exec(key);
  if (net) return `NET${Number(net[1])}`;
  const eom = /^(?:N|NET)?[\s_-]*(\d{1,3})[\s_-]*(?:DAYS?)?[\s_-]*(?:EOM|END OF MONTH)$/.exec(key);
  if (eom) return `NET${Number(eom[1])}_EOM`;
  throw new MappingError(`unknown payment terms "${value}"`);
}

export function toNumber(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value.trim()))) {
    return Number(value.trim());
  }
  // Tryton's JSON-RPC encodes decimals as {"__class__":"Decimal","decimal":"15000.00"}.
  if (isTagged(value, 'Decimal') && typeof value.decimal === 'string') return toNumber(value.decimal);
  throw new MappingError(`not a number: ${excerpt(value)}`);
}

export function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', 'yes', 'y', '1', 'on'].includes(v)) return true;
    if (['false', 'no', 'n', '0', 'off', ''].includes(v)) return false;
  }
  throw new MappingError(`not a boolean: ${excerpt(value)}`);
}

export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value < 1e11 ? value * 1000 : value);
  if (typeof value === 'string') {
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return at;
  }
  // Tryton: {"__class__":"datetime",year,month,day,hour,minute,second,microsecond} in UTC.
  if (isTagged(value, 'datetime') || isTagged(value, 'date')) {
    const v = value;
    const n = (k: string) => Number(v[k] ?? 0);
    return new Date(
      Date.UTC(
        n('year'),
        n('month') - 1,
        n('day'),
        n('hour'),
        n('minute'),
        n('second'),
        Math.floor(n('microsecond') / 1000),
      ),
    );
  }
  throw new MappingError(`not a date: ${excerpt(value)}`);
}

export function toText(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new MappingError(`not text: ${excerpt(value)}`);
}

export function normalize(name: NormalizerName, value: unknown, context: NormalizeContext): unknown {
  switch (name) {
    case 'string':
      return toText(value);
    case 'upper':
      return toText(value).toUpperCase();
    case 'email':
      return toText(value).toLowerCase();
    case 'country':
      return normalizeCountry(toText(value));
    case 'phone':
      return normalizePhone(toText(value), context.country);
    case 'paymentTerms':
      return normalizePaymentTerms(toText(value));
    case 'number':
      return toNumber(value);
    case 'boolean':
      return toBoolean(value);
    case 'date':
      return toDate(value);
  }
}

function isTagged(value: unknown, tag: string): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && (value as { __class__?: unknown }).__class__ === tag;
}

export function excerpt(value: unknown, max = 120): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
