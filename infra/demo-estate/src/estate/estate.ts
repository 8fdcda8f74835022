/**
 * Starts the demo estate: builds each system's copy from the seeded generator with the drift scenario
 * applied (ground truth logged), replays each system's journal of earlier writes when a data dir is
 * reused, and serves every system on its own loopback port.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratorOptions } from '../generator/estate-generator';
import type { SystemFaults } from '../http/fault-injector';
import { Journal, readJsonLines, type JournalEntry } from '../store/record-table';
import {
  DEFAULT_SCENARIO,
  loadScenarioFile,
  NO_DRIFT,
  parseScenario,
  type DriftScenario,
} from '../drift/drift-scenario';
import { GroundTruthLog, type GroundTruthEntry } from '../drift/ground-truth-log';
import { SalesforceStore } from '../systems/crm/salesforce.store';
import { SalesforceServer, SF_API_VERSION } from '../systems/crm/salesforce.server';
import type { SalesforceStreamingOptions } from '../systems/crm/streaming/change-data-capture';
import type { SfRecord } from '../systems/crm/salesforce-schema';
import { DynamicsStore, type ErpRecord } from '../systems/erp/dynamics.store';
import { DynamicsServer } from '../systems/erp/dynamics.server';
import { WmsStore, type WmsShipment } from '../systems/wms/wms.store';
import { WmsServer } from '../systems/wms/wms.server';
import { ZendeskStore, type ZendeskOrganization, type ZendeskTicket } from '../systems/support/zendesk.store';
import { ZendeskServer } from '../systems/support/zendesk.server';
import { SlackServer } from '../systems/chat/slack.server';
import { buildEstate, type EstateStores } from './estate-builder';
import { ContinuousChange } from './continuous-change';

export const SYSTEM_NAMES = ['crm', 'erp', 'wms', 'support'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

export interface EstateOptions {
  /** Number of customers (default 1,000). */
  customers?: number;
  /** Data seed (default 42). */
  seed?: number;
  /** The estate's "now" for generated history (ms). Default: start of the current UTC hour. */
  epoch?: number;
  /** Drift scenario: an object, a JSON/YAML file path, `'default'` or `'none'` (default `'none'`). */
  scenario?: DriftScenario | string;
  /**
   * Journals writes and keeps `manifest.json` + `ground-truth.jsonl`. Reopening a data dir rebuilds
   * the same estate from its manifest (the manifest wins over options) and replays the journals.
   */
  dataDir?: string;
  faults?: Partial<Record<SystemName, SystemFaults>>;
  /** Fixed ports per system; default: free ports chosen by the OS. */
  ports?: Partial<Record<SystemName, number>>;
  host?: string;
  tokenTtlSeconds?: number;
  /** The CRM's Streaming API (Change Data Capture): connect hold, client expiry, events retained. */
  crmStreaming?: SalesforceStreamingOptions;
  /** Keep changing the estate (new orders, status moves, edits, occasional drift). */
  continuous?: boolean;
  /** WMS webhook subscriptions present from the start. */
  wmsWebhooks?: { url: string; secret: string }[];
  wmsWebhookRetry?: { attempts: number; baseDelayMs: number };
  /** ERP server page size (F&O default 10,000). */
  erpPageSize?: number;
  /**
   * Serve only these systems (default all), e.g. one system per process for a million customers.
   * The others' stores stay empty and their endpoints have an empty `baseUrl`. Continuous mode needs all.
   */
  systems?: SystemName[];
  /**
   * A Slack workspace for Driftwatch's alerts (Web API under `/api/`, the channels as a web page),
   * whose buttons post signed interactions to `interactivity.url` when given. Off unless set.
   */
  slack?: { port?: number; botToken?: string; interactivity?: { url: string; signingSecret: string } };
}

export const DEFAULT_CREDENTIALS = {
  crm: { clientId: 'driftwatch-crm-client', clientSecret: 'crm-demo-secret' },
  erp: {
    tenantId: 'contoso.onmicrosoft.com',
    clientId: '6f1c1e2a-0000-4000-8000-00000000d365',
    clientSecret: 'erp-demo-secret',
  },
  wms: { apiKey: 'wms-demo-api-key' },
  support: { email: 'integration@distributor.example', apiToken: 'support-demo-token' },
  slack: { botToken: 'xoxb-demo-bot-token' },
} as const;

export interface EstateEndpoints {
  crm: {
    baseUrl: string;
    tokenUrl: string;
    clientId: string;
    clientSecret: string;
    apiVersion: string;
    /** The Streaming API's Bayeux endpoint for Change Data Capture (`${baseUrl}/cometd/60.0`). */
    cometdUrl: string;
  };
  erp: {
    baseUrl: string;
    tokenUrl: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
    scope: string;
    defaultCompany: string;
  };
  wms: { baseUrl: string; apiKey: string };
  support: { baseUrl: string; email: string; apiToken: string };
}

export interface EstateManifest {
  customers: number;
  seed: number;
  epoch: number;
  scenario: DriftScenario;
}

export interface RunningEstate extends EstateEndpoints {
  manifest: EstateManifest;
  stores: EstateStores;
  servers: { crm: SalesforceServer; erp: DynamicsServer; wms: WmsServer; support: ZendeskServer };
  /** The Slack workspace, when asked for (`slack` option): its page at baseUrl, its Web API at apiUrl. */
  slack: { baseUrl: string; apiUrl: string; botToken: string; server: SlackServer } | null;
  /** Every injected drift so far (generation and continuous mode). */
  groundTruth(): readonly GroundTruthEntry[];
  groundTruthPath: string | null;
  continuous: ContinuousChange | null;
  stop(): Promise<void>;
}

export function resolveScenario(scenario: DriftScenario | string | undefined): DriftScenario {
  if (scenario === undefined || scenario === 'none') return NO_DRIFT;
  if (scenario === 'default') return DEFAULT_SCENARIO;
  if (typeof scenario === 'string') return loadScenarioFile(scenario);
  return parseScenario(scenario);
}

export async function startEstate(options: EstateOptions = {}): Promise<RunningEstate> {
  let manifest: EstateManifest = {
    customers: options.customers ?? 1000,
    seed: options.seed ?? 42,
    epoch: options.epoch ?? Math.floor(Date.now() / 3_600_000) * 3_600_000,
    scenario: resolveScenario(options.scenario),
  };
  const dataDir = options.dataDir ?? null;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    const manifestPath = join(dataDir, 'manifest.json');
    if (existsSync(manifestPath)) manifest = { ...(JSON.parse(readFileSync(manifestPath, 'utf8')) as EstateManifest) };
    else writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  }
  const journalOf = (system: SystemName) => {
    if (!dataDir) return new Journal(null);
    mkdirSync(join(dataDir, system), { recursive: true });
    return new Journal(join(dataDir, system, 'journal.jsonl'));
  };
  const stores: EstateStores = {
    crm: new SalesforceStore(journalOf('crm')),
    erp: new DynamicsStore(journalOf('erp')),
    wms: new WmsStore(journalOf('wms')),
    support: new ZendeskStore(journalOf('support')),
  };
  const groundTruthPath = dataDir ? join(dataDir, 'ground-truth.jsonl') : null;
  const log = new GroundTruthLog(groundTruthPath);
  const gen: GeneratorOptions = { seed: manifest.seed, epoch: manifest.epoch };
  const only = new Set<SystemName>(options.systems ?? SYSTEM_NAMES);
  for (const s of only)
    if (!SYSTEM_NAMES.includes(s))
      throw new Error(`unknown system '${String(s)}' (expected ${SYSTEM_NAMES.join(', ')})`);
  if (options.continuous && only.size !== SYSTEM_NAMES.length)
    throw new Error('continuous mode needs all four systems in one estate');
  buildEstate(gen, manifest.customers, manifest.scenario, log, stores, only);
  if (dataDir) await replayJournals(dataDir, stores);

  const seed = manifest.seed;
  const servers = {
    crm: new SalesforceServer({
      store: stores.crm,
      credentials: DEFAULT_CREDENTIALS.crm,
      faults: options.faults?.crm,
      seed,
      tokenTtlSeconds: options.tokenTtlSeconds,
      streaming: options.crmStreaming,
    }),
    erp: new DynamicsServer({
      store: stores.erp,
      credentials: DEFAULT_CREDENTIALS.erp,
      faults: options.faults?.erp,
      seed,
      tokenTtlSeconds: options.tokenTtlSeconds,
      pageSize: options.erpPageSize,
    }),
    wms: new WmsServer({
      store: stores.wms,
      apiKey: DEFAULT_CREDENTIALS.wms.apiKey,
      faults: options.faults?.wms,
      seed,
      webhooks: options.wmsWebhooks,
      webhookRetry: options.wmsWebhookRetry,
    }),
    support: new ZendeskServer({
      store: stores.support,
      credentials: DEFAULT_CREDENTIALS.support,
      faults: options.faults?.support,
      seed,
    }),
  };
  const host = options.host ?? '127.0.0.1';
  const started: { close(): Promise<void> }[] = [];
  try {
    for (const name of SYSTEM_NAMES) {
      if (!only.has(name)) continue;
      await servers[name].http.listen(options.ports?.[name] ?? 0, host);
      started.push(name === 'wms' ? servers.wms : servers[name].http);
    }
  } catch (error) {
    await Promise.all(started.map((s) => s.close()));
    throw error;
  }
  let slack: RunningEstate['slack'] = null;
  if (options.slack) {
    const botToken = options.slack.botToken ?? DEFAULT_CREDENTIALS.slack.botToken;
    const server = new SlackServer({ botToken, interactivity: options.slack.interactivity, seed });
    try {
      const baseUrl = await server.http.listen(options.slack.port ?? 0, host);
      started.push(server.http);
      slack = { baseUrl, apiUrl: `${baseUrl}/api/`, botToken, server };
    } catch (error) {
      await Promise.all(started.map((s) => s.close()));
      throw error;
    }
  }

  const continuous = options.continuous
    ? new ContinuousChange(stores, servers.wms, manifest.scenario, log, manifest.customers, seed)
    : null;
  continuous?.start();

  const crmUrl = servers.crm.http.baseUrl;
  const erpUrl = servers.erp.http.baseUrl;
  return {
    crm: {
      baseUrl: crmUrl,
      tokenUrl: `${crmUrl}/services/oauth2/token`,
      ...DEFAULT_CREDENTIALS.crm,
      apiVersion: SF_API_VERSION,
      cometdUrl: crmUrl && `${crmUrl}/cometd/${SF_API_VERSION}`,
    },
    erp: {
      baseUrl: erpUrl,
      tokenUrl: erpUrl && `${erpUrl}/${DEFAULT_CREDENTIALS.erp.tenantId}/oauth2/v2.0/token`,
      ...DEFAULT_CREDENTIALS.erp,
      scope: `${erpUrl}/.default`,
      defaultCompany: 'usmf',
    },
    wms: { baseUrl: servers.wms.http.baseUrl, ...DEFAULT_CREDENTIALS.wms },
    support: { baseUrl: servers.support.http.baseUrl, ...DEFAULT_CREDENTIALS.support },
    manifest,
    stores,
    servers,
    slack,
    groundTruth: () => log.entries,
    groundTruthPath,
    continuous,
    stop: async () => {
      continuous?.stop();
      log.flush();
      await Promise.all(started.map((s) => s.close()));
    },
  };
}

async function replayJournals(dataDir: string, stores: EstateStores): Promise<void> {
  for (const system of SYSTEM_NAMES) {
    for await (const e of readJsonLines<JournalEntry>(join(dataDir, system, 'journal.jsonl'))) {
      switch (system) {
        case 'crm':
          // Through the store (its external-id indexes follow), without journaling the delete again.
          if (e.op === 'delete') stores.crm.delete(e.entity, e.key, false);
          else stores.crm.put(e.entity, e.record as SfRecord, e.modifiedAt, false);
          break;
        case 'erp':
          if (e.op === 'put') stores.erp.put(e.entity, e.record as ErpRecord, e.modifiedAt, false);
          break;
        case 'wms':
          if (e.op === 'put') stores.wms.put(e.record as WmsShipment, e.modifiedAt, false);
          break;
        case 'support':
          if (e.op === 'put' && e.entity === 'organizations')
            stores.support.putOrganization(e.record as ZendeskOrganization, e.modifiedAt, false);
          else if (e.op === 'put') stores.support.putTicket(e.record as ZendeskTicket, e.modifiedAt, false);
          break;
      }
    }
  }
}
