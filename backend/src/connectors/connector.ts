import type { CanonicalRecord, EntityKind, RejectedRecord } from './canonical-model';
import type { TransitionTime } from './mapping/entity-mapping';

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
  /** Driftwatch can subscribe to the system's own change stream (Salesforce Change Data Capture). */
  changeStream?: boolean;
}

/** The records an inbound change event (a webhook) says have changed. */
export interface ChangeEvent {
  /** The sender's id of the event, covered by its signature: the same delivery twice has the same id. */
  eventId: string;
  entity: EntityKind;
  /** Source keys of the changed records. */
  keys: string[];
}

/**
 * Change events older than this by their signed time are refused, so a receiver that remembers event
 * ids at least this long never takes a captured delivery twice.
 */
export const CHANGE_EVENT_MAX_AGE_SECONDS = 24 * 3600;

/** Headers as Node gives them (lower-case names). */
export type InboundHeaders = Record<string, string | string[] | undefined>;

/** Why an inbound change event was refused: `signature` means it is not authentic (HTTP 401). */
export class ChangeEventRejectedError extends Error {
  constructor(
    readonly kind: 'signature' | 'payload',
    message: string,
  ) {
    super(message);
    this.name = 'ChangeEventRejectedError';
  }
}

/** One notification of a subscribed change stream: the records it names, per entity they map to. */
export interface StreamedChange {
  /** Where the stream stands once this change is handled: a later subscription resumes after it. */
  position: string;
  /**
   * The changed records per entity. An event with no keys (a Salesforce gap overflow) says records of
   * that entity changed without naming them: the owner catches up with an incremental snapshot.
   */
  events: ChangeEvent[];
}

/** Why a change stream stopped; the subscriber decides when to subscribe again. */
export class ChangeStreamError extends Error {
  constructor(
    /** `position_lost`: the stored position is past the system's retention; resume from new events only. */
    readonly kind: 'position_lost' | 'refused' | 'handler',
    message: string,
  ) {
    super(message);
    this.name = 'ChangeStreamError';
  }
}

export interface ChangeStreamHandlers {
  /**
   * Takes changes in stream order, one at a time; the stream's position moves past a change only once
   * this resolved. A rejection stops the stream (onStopped, kind `handler`).
   */
  onChange(change: StreamedChange): Promise<void>;
  /**
   * A delivered event could not be read (it names no records): it is passed over, so the owner should
   * catch up by other means (an incremental snapshot).
   */
  onMalformed(error: Error): void;
  /** The stream stopped by itself (never after close()); nothing more is delivered. */
  onStopped(error: ChangeStreamError): void;
}

export interface ChangeStreamSubscription {
  close(): Promise<void>;
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
  /**
   * When this system got an entity's status changes: its own status time (`statusTime`, also when
   * absent) or the record's modification time, because the status time is copied from the system of
   * record (`updatedAt`). Snapshots time the `entity_events` they record by it.
   */
  transitionsAt?(entity: EntityKind): TransitionTime;
  /**
   * Connectors with `capabilities.changeEvents`: authenticates a pushed change event over the exact
   * bytes received and names the changed records; throws ChangeEventRejectedError otherwise.
   */
  parseChangeEvent?(rawBody: Buffer, headers: InboundHeaders): ChangeEvent;
  /**
   * Connectors with `capabilities.changeStream`: subscribes to the system's change stream after
   * `position` (null: only changes from now on). Resolves once subscribed; rejects with
   * ChangeStreamError when the system refuses the subscription.
   */
  subscribeChanges?(position: string | null, handlers: ChangeStreamHandlers): Promise<ChangeStreamSubscription>;
  close?(): Promise<void>;
}
