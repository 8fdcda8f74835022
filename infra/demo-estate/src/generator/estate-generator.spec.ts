import { COUNTRIES } from './reference-data';
import { customerNumberOf, e164, generateCustomer, generateCustomers } from './estate-generator';
import { crmPhone } from '../systems/crm/salesforce.store';
import { erpPhone } from '../systems/erp/dynamics.store';

describe('estate generator', () => {
  const gen = { seed: 99, epoch: Date.UTC(2026, 5, 1) };

  it('generates the same customer for the same seed, in any order', () => {
    const forward = [...generateCustomers(gen, 200)];
    const backward = Array.from({ length: 200 }, (_, k) => generateCustomer(gen, 199 - k)).reverse();
    expect(backward).toEqual(forward);
    expect(JSON.stringify(generateCustomer(gen, 150))).toBe(JSON.stringify(forward[150]));
  });

  it('generates a different estate for a different seed', () => {
    const a = [...generateCustomers(gen, 50)].map((c) => c.legalName);
    const b = [...generateCustomers({ ...gen, seed: 100 }, 50)].map((c) => c.legalName);
    expect(a).not.toEqual(b);
  });

  it('produces realistic, well-formed customers across several countries', () => {
    const customers = [...generateCustomers(gen, 3000)];
    const countries = new Set(customers.map((c) => c.country));
    expect(countries.size).toBe(5);
    for (const c of customers) {
      expect(c.customerNumber).toBe(customerNumberOf(c.index));
      expect(c.legalName.endsWith(c.legalSuffix)).toBe(true);
      expect(COUNTRIES[c.country].legalSuffixes).toContain(c.legalSuffix);
      expect(e164(c.phone)).toMatch(/^\+\d{8,15}$/);
      expect(c.email).toMatch(/^[a-z]+@[a-z0-9]+\.[a-z.]+$/);
      expect(c.parentIndex).toBeLessThan(c.index);
      expect(c.createdAt).toBeLessThanOrEqual(gen.epoch);
      expect(c.modifiedAt).toBeLessThanOrEqual(gen.epoch);
      expect(c.modifiedAt).toBeGreaterThanOrEqual(c.createdAt);
      expect(c.contacts.length).toBeGreaterThanOrEqual(1);
      for (const o of c.orders) {
        const times = o.history.map((h) => h.at);
        expect(times).toEqual([...times].sort((x, y) => x - y));
        expect(times[times.length - 1]).toBeLessThanOrEqual(gen.epoch);
        expect(o.status).toBe(o.history[o.history.length - 1].status);
        if (o.shipment) expect(['processing', 'shipped', 'delivered']).toContain(o.status);
      }
    }
    const withParents = customers.filter((c) => c.parentIndex >= 0).length / customers.length;
    expect(withParents).toBeGreaterThan(0.08);
    expect(withParents).toBeLessThan(0.16);
    const us = customers.filter((c) => c.country === 'US').length / customers.length;
    expect(us).toBeGreaterThan(0.38);
    expect(us).toBeLessThan(0.52);
  });

  it('spells one phone number alike in E.164, the ERP and the CRM: Italy keeps the area code 0 after +39', () => {
    const bologna = { callingCode: '39', areaCode: '51', subscriber: '6570204' };
    const berlin = { callingCode: '49', areaCode: '30', subscriber: '1234567' };
    expect(e164(bologna)).toBe('+390516570204');
    expect(erpPhone(bologna)).toBe('+39 051 6570204');
    expect(crmPhone(bologna)).toBe('051 6570204');
    expect(e164(berlin)).toBe('+49301234567');
    expect(erpPhone(berlin)).toBe('+49 30 1234567');
    expect(crmPhone(berlin)).toBe('030 1234567');
  });
});
