/** The demo estate: simulated CRM, ERP, WMS and support systems, a seeded data generator and drift. */
export * from './estate/estate';
export * from './generator/estate-generator';
export * from './generator/prng';
export { COUNTRIES, PAYMENT_TERMS, type CountryCode, type PaymentTermsCode } from './generator/reference-data';
export type { SystemFaults, FaultKind } from './http/fault-injector';
