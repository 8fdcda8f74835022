import {
  MappingError,
  normalizeCountry,
  normalizePaymentTerms,
  normalizePhone,
  toDate,
  toNumber,
} from './value-normalizers';

describe('value normalizers', () => {
  it.each([
    ['N30', 'NET30'],
    ['Net 30', 'NET30'],
    ['net30', 'NET30'],
    ['NET_45', 'NET45'],
    ['30 days net', 'NET30'],
    ['Due on receipt', 'DUE_ON_RECEIPT'],
    ['COD', 'COD'],
    ['Cash on Delivery', 'COD'],
    ['Prepay', 'PREPAID'],
    ['Net 60 EOM', 'NET60_EOM'],
  ])('reads payment terms %s as %s', (source, canonical) => {
    expect(normalizePaymentTerms(source)).toBe(canonical);
  });

  it('refuses payment terms it cannot read', () => {
    expect(() => normalizePaymentTerms('whenever')).toThrow(MappingError);
  });

  it.each([
    ['Germany', 'DE'],
    ['germany', 'DE'],
    ['United States', 'US'],
    ['USA', 'US'],
    ['United Kingdom', 'GB'],
    ['Netherlands', 'NL'],
    ['DE', 'DE'],
    ['  France ', 'FR'],
  ])('maps country %s to %s', (name, code) => {
    expect(normalizeCountry(name)).toBe(code);
  });

  it('refuses unknown countries', () => {
    expect(() => normalizeCountry('Atlantis')).toThrow(/unknown country/);
  });

  it('answers a country read before the same way, and still refuses an unknown or empty one each time', () => {
    for (let i = 0; i < 3; i++) {
      expect(normalizeCountry(' United  Kingdom')).toBe('GB');
      expect(normalizeCountry('Deutschland')).toBe('DE');
      expect(normalizeCountry('  ')).toBe('');
      expect(() => normalizeCountry('Atlantis')).toThrow('unknown country "Atlantis"');
    }
  });

  it('writes national phone numbers in E.164 using the record country', () => {
    expect(normalizePhone('030 1234567', 'DE')).toBe('+49301234567');
    expect(normalizePhone('(415) 555-0132', 'US')).toBe('+14155550132');
    expect(normalizePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(() => normalizePhone('12', 'DE')).toThrow(MappingError);
  });

  it('answers a phone seen before the same way, per country, and still rejects an unreadable one each time', () => {
    expect(normalizePhone('030 1234567', 'DE')).toBe('+49301234567');
    expect(normalizePhone(' 030 1234567 ', 'DE')).toBe('+49301234567');
    expect(normalizePhone('030 1234567', 'AT')).toBe('+43301234567');
    for (const value of ['12', ' 12']) {
      expect(() => normalizePhone(value, 'DE')).toThrow(`unreadable phone number "${value}"`);
    }
  });

  it('reads Tryton decimals and datetimes', () => {
    expect(toNumber({ __class__: 'Decimal', decimal: '15000.50' })).toBe(15000.5);
    expect(
      toDate({ __class__: 'datetime', year: 2024, month: 2, day: 3, hour: 4, minute: 5, second: 6, microsecond: 7000 }),
    ).toEqual(new Date('2024-02-03T04:05:06.007Z'));
  });

  it('refuses impossible dates instead of inventing one', () => {
    expect(() => toDate('2024-02-30T25:61:00Z')).toThrow(MappingError);
    expect(toDate('2024-01-02T03:04:05.000+0000')).toEqual(new Date('2024-01-02T03:04:05.000Z'));
  });
});
