/**
 * Turns one write in the CRM into the Change Data Capture event Salesforce delivers over CometD, in
 * its JSON form: fields left out when null (except a field an update nulled), datetimes in ISO UTC,
 * address and name fields nested under their compound field (`BillingAddress.City` in changedFields).
 */
import { createHash } from 'node:crypto';
import { SF_OBJECTS, type SfObject, type SfRecord } from '../salesforce-schema';
import type { RecordChange } from '../salesforce.store';

export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE';

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  nulledFields: string[];
  diffFields: string[];
  changedFields: string[];
}

/** The `data` of a delivered event, less `event: {replayId}`, which the log adds. */
export interface ChangeEventBody {
  schema: string;
  payload: { ChangeEventHeader: ChangeEventHeader } & Record<string, unknown>;
}

/** What the record cannot tell: who committed the change, in which transaction, through which API. */
export interface ChangeCommit {
  origin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitNumber: number;
  user: string;
}

/** Every change event of the org, whatever its object. */
export const ALL_CHANGE_EVENTS_CHANNEL = '/data/ChangeEvents';

/** Fields a change event does not carry: the Id is in `recordIds`, the rest are system bookkeeping. */
const NOT_IN_EVENTS = new Set(['Id', 'IsDeleted', 'SystemModstamp', 'LastModifiedDate']);

/** Record field → [compound field, component] as the change event schema nests them. */
const COMPOUND_COMPONENTS: Record<string, Record<string, [string, string]>> = {
  Account: Object.fromEntries(
    ['Billing', 'Shipping'].flatMap((prefix) =>
      ['Street', 'City', 'State', 'PostalCode', 'Country'].map((part) => [
        `${prefix}${part}`,
        [`${prefix}Address`, part] as [string, string],
      ]),
    ),
  ),
  Contact: { FirstName: ['Name', 'FirstName'], LastName: ['Name', 'LastName'] },
};

/** `/data/AccountChangeEvent`; a custom object drops its `c`: `/data/Shipment__ChangeEvent`. */
export function changeEventChannelOf(objectName: string): string {
  const base = objectName.endsWith('__c') ? objectName.slice(0, -1) : objectName;
  return `/data/${base}ChangeEvent`;
}

const ENTITY_BY_CHANNEL = new Map([...SF_OBJECTS.values()].map((o) => [changeEventChannelOf(o.name), o.name]));

/** The object a channel carries: null for every object, undefined when the org has no such channel. */
export function entityOfChannel(channel: string): string | null | undefined {
  if (channel === ALL_CHANGE_EVENTS_CHANNEL) return null;
  return ENTITY_BY_CHANNEL.get(channel);
}

/** A stable id per object's event schema (it changes when the object's fields do, as Salesforce's). */
function schemaIdOf(object: SfObject): string {
  return createHash('sha256')
    .update(`${object.name}ChangeEvent:${[...object.fields.keys()].join(',')}`)
    .digest('base64url')
    .slice(0, 22);
}

const SCHEMA_IDS = new Map([...SF_OBJECTS.values()].map((o) => [o.name, schemaIdOf(o)]));

export function changeEventOf(change: RecordChange, commit: ChangeCommit): ChangeEventBody {
  const object = SF_OBJECTS.get(change.objectName.toLowerCase());
  if (!object) throw new Error(`no change events for ${change.objectName}`);
  const changeType: ChangeType = !change.record ? 'DELETE' : change.previous ? 'UPDATE' : 'CREATE';
  const header: ChangeEventHeader = {
    entityName: object.name,
    recordIds: [change.id],
    changeType,
    changeOrigin: commit.origin,
    transactionKey: commit.transactionKey,
    sequenceNumber: commit.sequenceNumber,
    commitTimestamp: change.modifiedAt,
    commitNumber: commit.commitNumber,
    commitUser: commit.user,
    nulledFields: [],
    diffFields: [],
    changedFields: [],
  };
  const payload: ChangeEventBody['payload'] = { ChangeEventHeader: header };
  if (change.record) {
    const compounds = COMPOUND_COMPONENTS[object.name] ?? {};
    for (const field of object.fields.values()) {
      if (NOT_IN_EVENTS.has(field.name)) continue;
      const after = change.record[field.name] ?? null;
      const updated = change.previous !== undefined && (change.previous[field.name] ?? null) !== after;
      // A create carries every field that has a value; an update only the fields it changed.
      if (change.previous ? !updated : after === null) continue;
      const value = field.type === 'datetime' ? isoDateTime(after) : after;
      const compound = compounds[field.name];
      const path = compound ? `${compound[0]}.${compound[1]}` : field.name;
      if (compound) ((payload[compound[0]] ??= {}) as SfRecord)[compound[1]] = value;
      else payload[field.name] = value;
      if (updated) {
        header.changedFields.push(path);
        if (after === null) header.nulledFields.push(path);
      }
    }
    payload.LastModifiedDate = new Date(change.modifiedAt).toISOString();
    if (changeType === 'UPDATE') header.changedFields.push('LastModifiedDate');
  }
  return { schema: SCHEMA_IDS.get(object.name)!, payload };
}

/** `2024-01-02T03:04:05.000+0000` (the REST form) → `2024-01-02T03:04:05.000Z` (the event form). */
function isoDateTime(value: SfRecord[string]): SfRecord[string] {
  if (typeof value !== 'string') return value;
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}
