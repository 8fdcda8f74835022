const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const PHONE = /\+?\(?\d[\d\s().-]{6,}\d/g;
/** A phone number in a value of any field: international form (E.164 or spaced), which amounts and ids are not. */
const INTERNATIONAL_PHONE = /\+\d[\d\s().-]{6,}\d/g;
/** Fields whose every digit run of phone length is a phone number. */
const PHONE_FIELD = /phone|mobile|fax/i;
const MAX_VALUE = 40;

/**
 * Alerts go to shared Slack channels: show enough of a value to recognise the problem, not the
 * personal data itself (emails keep their first letter and domain, phones their last two digits).
 * Only a phone field's digits, or a number in international form, count as a phone: a credit limit
 * of 50000.00 or a tax id is no personal data, and masking it would hide the drift itself.
 */
export function maskPersonalData(value: string, field = ''): string {
  const masked = value
    .replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`)
    .replace(PHONE_FIELD.test(field) ? PHONE : INTERNATIONAL_PHONE, (m) => `***${m.replace(/\D/g, '').slice(-2)}`);
  return masked.length <= MAX_VALUE ? masked : `${masked.slice(0, MAX_VALUE - 1)}…`;
}
