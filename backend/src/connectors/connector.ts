import type { CanonicalRecord, EntityKind, RejectedRecord } from './canonical-model';

export interface ExtractOptions {
  mode: 'full' | 'incremental';
  /** Incremental: records changed at or after this time. */
  since?: Date;
  /** Resume token from a previous batch's `cursor`. */
  cursor?: string;
  /** Limit the extract to these source keys (event-triggered snapshots). */
  keys?: string[];
  signal?: AbortSignal;
}

/** One page of an extract: never the whole set. */
export interface ExtractBatch<E extends EntityKind = EntityKind> {
  records: CanonicalRecord<E>[];
  rejects: RejectedRecord[];
  /** Where to resume after this batch; null when the extract is complete. */
  cursor: string | null;
  /** Total the source reports for the whole extract, when it knows. */
  total?: number;
}

export interface FieldChange {
  /** Canonical field name (camelCase path, e.g. `creditHold`, `billingAddress.city`). */
  field: string;
  /** The value the finding saw in the target; the write is refused if the target no longer has it. */
  expectedOld: unknown;
  newValue: unknown;
}

export interface RecordChange {
  entity: EntityKind;
  sourceKey: string;
  changes: FieldChange[];
}

export type ApplyOutcome = 'applied' | 'already_applied' | 'conflict' | 'rejected';

export interface ApplyResult {
  outcome: ApplyOutcome;
  reason?: string;
  /** Current target values when the outcome is a conflict. */
  currentValues?: Record<string, unknown>;
}

export interface ConnectorHealth {
  up: boolean;
  latencyMs: number;
  detail?: string;
}

export interface ConnectorCapabilities {
  entities: EntityKind[];
  writableEntities: EntityKind[];
  incremental: boolean;
  /** The system pushes change events (webhooks). */
  changeEvents: boolean;
}

/** What every system connector implements. Connectors know no feature module. */
export interface Connector {
  readonly id: string;
  /** e.g. `salesforce`, `dynamics`, `tryton`, `wms`, `zendesk`, `sql`, `file-drop`. */
  readonly kind: string;
  readonly capabilities: ConnectorCapabilities;
  extract<E extends EntityKind>(entity: E, options: ExtractOptions): AsyncIterable<ExtractBatch<E>>;
  read<E extends EntityKind>(entity: E, keys: string[]): Promise<CanonicalRecord<E>[]>;
  apply(change: RecordChange, idempotencyKey: string): Promise<ApplyResult>;
  health(): Promise<ConnectorHealth>;
  close?(): Promise<void>;
}
