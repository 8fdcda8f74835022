import type { EntityKind } from '../canonical-model';
import { ChangeEventRejectedError, type ChangeEvent, type StreamedChange } from '../connector';
import type { ConnectorMapping } from '../mapping/entity-mapping';
import { SALESFORCE_OBJECT } from './salesforce.mapping';

/** What Salesforce delivers on a Change Data Capture channel (the Bayeux message's `data`). */
interface CdcEventData {
  payload?: {
    ChangeEventHeader?: { entityName?: unknown; recordIds?: unknown; changeType?: unknown; transactionKey?: unknown };
  };
  event?: { replayId?: unknown };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The entities of a CDC event's object, each with the changed record ids as its keys. Only entities
 * keyed by the record Id can be named by it; an overflow gap event (GAP_OVERFLOW, or ids given as a
 * key prefix with `*`) names none, and asks for a catch-up of its entities instead.
 */
export function changeOfCdcEvent(data: unknown, mapping: ConnectorMapping): StreamedChange {
  const event = data as CdcEventData;
  const replayId = isObject(event) && isObject(event.event) ? event.event.replayId : undefined;
  if (typeof replayId !== 'number' || !Number.isSafeInteger(replayId)) {
    throw new ChangeEventRejectedError('payload', 'a change event without a numeric event.replayId');
  }
  const header = event.payload?.ChangeEventHeader;
  if (!isObject(header) || typeof header.entityName !== 'string' || typeof header.changeType !== 'string') {
    throw new ChangeEventRejectedError(
      'payload',
      `change event ${replayId}: payload.ChangeEventHeader needs entityName and changeType`,
    );
  }
  const ids = Array.isArray(header.recordIds) ? header.recordIds : [];
  if (!ids.every((id): id is string => typeof id === 'string' && id.length > 0)) {
    throw new ChangeEventRejectedError('payload', `change event ${replayId}: recordIds must be record ids`);
  }
  const overflow = header.changeType === 'GAP_OVERFLOW' || ids.length === 0 || ids.some((id) => id.endsWith('*'));
  const entities = (Object.entries(SALESFORCE_OBJECT) as [EntityKind, string][]).filter(
    ([entity, object]) => object === header.entityName && mapping[entity]?.key === 'Id',
  );
  // Replay ids start again in a refreshed sandbox: with the transaction, the event id stays unique.
  const transaction = typeof header.transactionKey === 'string' ? `${header.transactionKey}:` : '';
  return {
    position: String(replayId),
    events: entities.map(([entity]): ChangeEvent => ({
      eventId: `cdc:${replayId}:${transaction}${entity}`,
      entity,
      keys: overflow ? [] : [...new Set(ids)],
    })),
  };
}
