const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const PHONE = /\+?\d[\d\s().-]{6,}\d/g;
const MAX_VALUE = 40;

/**
 * Alerts go to shared Slack channels: show enough of a value to recognise the problem, not the
 * personal data itself (emails keep their first letter and domain, phones their last two digits).
 */
export function maskPersonalData(value: string): string {
  const masked = value
    .replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`)
    .replace(PHONE, (m) => `***${m.replace(/\D/g, '').slice(-2)}`);
  return masked.length <= MAX_VALUE ? masked : `${masked.slice(0, MAX_VALUE - 1)}…`;
}
