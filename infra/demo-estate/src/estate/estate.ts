/**
 * Starts the demo estate: generates (or reloads) each system's copy, applies the drift scenario,
 * and serves every system on its own loopback port with its own store.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateCustomer, type GeneratorOptions } from '../generator/estate-generator';
import type { SystemFaults } from '../http/fault-injector';
import { Journal } from '../store/record-table';
import { crmCopyOf, SalesforceStore } from '../systems/crm/salesforce.store';
import { SalesforceServer } from '../systems/crm/salesforce.server';

export const SYSTEM_NAMES = ['crm', 'erp', 'wms', 'support'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

export interface EstateOptions {
  /** Number of customers (default 1,000). */
  customers?: number;
  seed?: number;
  /** The estate's "now" for generated history (ms). Default: start of the current UTC hour. */
  epoch?: number;
  /** Where each system journals its writes; omit for a purely in-memory estate. */
  dataDir?: string;
  faults?: Partial<Record<SystemName, SystemFaults>>;
  /** Fixed ports per system; default: free ports chosen by the OS. */
  ports?: Partial<Record<SystemName, number>>;
  host?: string;
  tokenTtlSeconds?: number;
}

export interface CrmEndpoint {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  apiVersion: string;
}

export interface RunningEstate {
  options: Required<Pick<EstateOptions, 'customers' | 'seed' | 'epoch'>>;
  crm: CrmEndpoint;
  servers: { crm: SalesforceServer };
  stop(): Promise<void>;
}

export const DEFAULT_CREDENTIALS = {
  crm: { clientId: 'driftwatch-crm-client', clientSecret: 'crm-demo-secret' },
} as const;

export async function startEstate(options: EstateOptions = {}): Promise<RunningEstate> {
  const customers = options.customers ?? 1000;
  const seed = options.seed ?? 42;
  const epoch = options.epoch ?? Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const gen: GeneratorOptions = { seed, epoch };
  const host = options.host ?? '127.0.0.1';
  const journal = (system: SystemName) => {
    if (!options.dataDir) return new Journal(null);
    const dir = join(options.dataDir, system);
    mkdirSync(dir, { recursive: true });
    return new Journal(join(dir, 'journal.jsonl'));
  };

  const crmStore = new SalesforceStore(journal('crm'));
  for (let i = 0; i < customers; i++) {
    const truth = generateCustomer(gen, i);
    const copy = crmCopyOf(truth);
    crmStore.put('Account', copy.account, copy.accountModifiedAt, false);
    for (const c of copy.contacts) crmStore.put('Contact', c.record, c.modifiedAt, false);
    for (const o of copy.opportunities) crmStore.put('Opportunity', o.record, o.modifiedAt, false);
  }

  const crm = new SalesforceServer({
    store: crmStore,
    credentials: DEFAULT_CREDENTIALS.crm,
    faults: options.faults?.crm,
    seed,
    tokenTtlSeconds: options.tokenTtlSeconds,
  });
  const crmUrl = await crm.http.listen(options.ports?.crm ?? 0, host);

  return {
    options: { customers, seed, epoch },
    crm: {
      baseUrl: crmUrl,
      tokenUrl: `${crmUrl}/services/oauth2/token`,
      ...DEFAULT_CREDENTIALS.crm,
      apiVersion: '60.0',
    },
    servers: { crm },
    stop: async () => {
      await crm.http.close();
    },
  };
}
