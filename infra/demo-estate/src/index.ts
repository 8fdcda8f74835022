/** The demo estate: simulated CRM, ERP, WMS and support systems, a seeded data generator and drift. */
export * from './estate/estate';
export { crmAccessToken } from './estate/crm-access-token';
export * from './generator/estate-generator';
export * from './generator/prng';
export { COUNTRIES, PAYMENT_TERMS, type CountryCode, type PaymentTermsCode } from './generator/reference-data';
export type { SystemFaults, FaultKind } from './http/fault-injector';
export {
  DRIFT_KINDS,
  DEFAULT_SCENARIO,
  NO_DRIFT,
  parseScenario,
  loadScenarioFile,
  type DriftKind,
  type DriftScenario,
} from './drift/drift-scenario';
export type { GroundTruthEntry } from './drift/ground-truth-log';
export { signWebhook } from './systems/wms/webhook-dispatcher';
export { CRM_ORDER_STATUS } from './systems/crm/salesforce.store';
export { ERP_ORDER_STATUS } from './systems/erp/dynamics.store';
