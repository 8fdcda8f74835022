/**
 * The ground truth: one JSON line per injected drift, so tests and benchmarks can score Driftwatch's
 * findings (precision/recall) against what was really done to the estate.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { DriftKind } from './drift-scenario';

export type CanonicalEntity = 'customer' | 'contact' | 'credit_profile' | 'order' | 'shipment' | 'ticket';

export interface GroundTruthEntry {
  /** The system whose copy is wrong (or holds the orphan / duplicate / lacks the record). */
  system: 'crm' | 'erp' | 'wms' | 'support';
  entity: CanonicalEntity;
  /** Cross-system key: ERP customer number, or sales order number for orders/shipments. */
  key: string;
  /** The record's own key in `system` (Salesforce Id, shipment id, ...), when it has one. */
  sourceKey: string | null;
  /** Canonical field name (snake_case), null for record-level drift. */
  field: string | null;
  /** The vendor's field name in `system`, null for record-level drift. */
  sourceField: string | null;
  kind: DriftKind;
  /** When the drift happened (ISO-8601). */
  time: string;
  /** What `system` should hold, in its own vocabulary. */
  expected?: unknown;
  /** What `system` holds, in its own vocabulary. */
  actual?: unknown;
  /** Late propagation: when the change finally arrived and how late (seconds). */
  propagatedAt?: string;
  delaySeconds?: number;
  /** Duplicates: which variation was applied. */
  variation?: string;
}

/**
 * A change the CRM got late or never from the system that owns it: an order's status (from the ERP)
 * or a shipment's milestone (from the WMS).
 */
export interface PropagationDrift {
  entity: 'order' | 'shipment';
  /** The sales order number. */
  key: string;
  /** The CRM's Opportunity or Shipment__c Id; null when the CRM has no copy yet. */
  sourceKey: string | null;
  kind: Extract<DriftKind, 'late_propagation' | 'not_propagated' | 'order_status_stuck'>;
  /** When the owning system made the change (ms). */
  at: number;
  expected: unknown;
  actual: unknown;
  /** Late propagation: how long after `at` the change reached the CRM. */
  delaySeconds?: number;
}

const PROPAGATED_FIELD = {
  order: { field: 'status', sourceField: 'Order_Status__c' },
  shipment: { field: 'milestone', sourceField: 'Milestone__c' },
} as const;

export class GroundTruthLog {
  readonly entries: GroundTruthEntry[] = [];
  private buffer: string[] = [];

  constructor(
    readonly path: string | null,
    append = false,
  ) {
    if (path && !append) writeFileSync(path, '');
  }

  record(entry: GroundTruthEntry): void {
    this.entries.push(entry);
    if (!this.path) return;
    this.buffer.push(JSON.stringify(entry));
    if (this.buffer.length >= 1000) this.flush();
  }

  recordPropagationDrift(drift: PropagationDrift): void {
    const { entity, key, sourceKey, kind, at, expected, actual, delaySeconds } = drift;
    // Key order is part of the generated ground truth (byte-identical for a seed): `time` goes last.
    this.record({
      system: 'crm',
      entity,
      key,
      sourceKey,
      ...PROPAGATED_FIELD[entity],
      kind,
      expected,
      actual,
      ...(delaySeconds === undefined
        ? {}
        : { propagatedAt: new Date(at + delaySeconds * 1000).toISOString(), delaySeconds }),
      time: new Date(at).toISOString(),
    });
  }

  flush(): void {
    if (!this.path || this.buffer.length === 0) return;
    appendFileSync(this.path, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
  }
}
