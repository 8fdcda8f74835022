/**
 * Writes a generated estate to disk (with `jsonl`) as one JSON-lines file per system and entity
 * (`<out>/<system>/<Entity>.jsonl`, lines `{"modifiedAt":ms,"record":{...}}`), plus `manifest.json`
 * and `ground-truth.jsonl`. Streams customer by customer: memory stays flat at any size.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DriftInjector } from '../drift/drift-injector';
import { GroundTruthLog } from '../drift/ground-truth-log';
import { copiesOf } from '../estate/estate-builder';
import type { EstateManifest } from '../estate/estate';

class LineWriter {
  private readonly fd: number;
  private chunks: string[] = [];
  private size = 0;
  lines = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(modifiedAt: number, record: unknown): void {
    const line = `{"modifiedAt":${modifiedAt},"record":${JSON.stringify(record)}}\n`;
    this.chunks.push(line);
    this.size += line.length;
    this.lines++;
    if (this.size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export interface ExportResult {
  files: Record<string, number>;
  groundTruthEntries: number;
}

/** Drops lines: ground truth without the (large) per-system files. */
class NullWriter extends LineWriter {
  constructor() {
    super('/dev/null');
  }

  override write(): void {
    this.lines++;
  }
}

/**
 * `jsonl: false` writes only the manifest and the ground truth: the systems' data is fully determined
 * by the manifest, and `serve --data DIR` rebuilds it faster than it could parse the files.
 */
export function exportEstate(
  manifest: EstateManifest,
  out: string,
  options: { jsonl: boolean },
  onProgress?: (done: number) => void,
): ExportResult {
  const files = {
    'crm/Account': null,
    'crm/Contact': null,
    'crm/Opportunity': null,
    'crm/Shipment__c': null,
    'erp/CustomersV3': null,
    'erp/SalesOrderHeadersV2': null,
    'wms/shipments': null,
    'support/organizations': null,
    'support/tickets': null,
  } as Record<string, LineWriter | null>;
  mkdirSync(out, { recursive: true });
  for (const name of Object.keys(files)) {
    if (!options.jsonl) {
      files[name] = new NullWriter();
      continue;
    }
    mkdirSync(join(out, name.split('/')[0]), { recursive: true });
    files[name] = new LineWriter(join(out, `${name}.jsonl`));
  }
  const w = (name: string) => files[name]!;
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const log = new GroundTruthLog(join(out, 'ground-truth.jsonl'));
  const injector = new DriftInjector(manifest.scenario, manifest.epoch, log);
  const gen = { seed: manifest.seed, epoch: manifest.epoch };
  for (let i = 0; i < manifest.customers; i++) {
    const c = copiesOf(gen, i);
    injector.apply(c);
    if (c.crm) {
      w('crm/Account').write(c.crm.accountModifiedAt, c.crm.account);
      for (const x of c.crm.contacts) w('crm/Contact').write(x.modifiedAt, x.record);
      for (const x of c.crm.opportunities) w('crm/Opportunity').write(x.modifiedAt, x.record);
      for (const x of c.crm.shipments) w('crm/Shipment__c').write(x.modifiedAt, x.record);
    }
    for (const x of c.crmDuplicates) w('crm/Account').write(x.modifiedAt, x.record);
    if (c.erp) {
      w('erp/CustomersV3').write(c.erp.modifiedAt, c.erp.customer);
      for (const x of c.erp.orders) w('erp/SalesOrderHeadersV2').write(x.modifiedAt, x.record);
    }
    for (const x of c.wms) w('wms/shipments').write(x.modifiedAt, x.record);
    if (c.support) {
      w('support/organizations').write(c.support.modifiedAt, c.support.organization);
      for (const x of c.support.tickets) w('support/tickets').write(x.modifiedAt, x.record);
    }
    if (onProgress && (i + 1) % 100_000 === 0) onProgress(i + 1);
  }
  log.flush();
  const counts: Record<string, number> = {};
  for (const [name, writer] of Object.entries(files)) {
    writer!.close();
    counts[name] = writer!.lines;
  }
  return { files: counts, groundTruthEntries: log.entries.length };
}
