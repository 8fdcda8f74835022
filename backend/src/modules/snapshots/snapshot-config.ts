import { ENTITY_KINDS, type EntityKind } from '../../connectors/canonical-model';

export interface SnapshotSchedule {
  connectorId: string;
  entity: EntityKind;
  mode: 'full' | 'incremental';
  cron: string;
}

export class InvalidSnapshotConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSnapshotConfigError';
  }
}

const CONNECTOR_ID = /^[a-z0-9][a-z0-9-]*$/;

/** Parses `SNAPSHOT_SCHEDULES`: `connector:entity:mode=cron` entries separated by `;`. */
export function parseSchedules(text: string): SnapshotSchedule[] {
  return text
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const eq = entry.indexOf('=');
      if (eq < 0) throw new InvalidSnapshotConfigError(`SNAPSHOT_SCHEDULES entry "${entry}" lacks "=cron"`);
      const [connectorId = '', entity = '', mode = '', ...rest] = entry.slice(0, eq).trim().split(':');
      const cron = entry.slice(eq + 1).trim();
      if (rest.length > 0 || !CONNECTOR_ID.test(connectorId)) {
        throw new InvalidSnapshotConfigError(
          `SNAPSHOT_SCHEDULES entry "${entry}": expected connector:entity:mode=cron`,
        );
      }
      if (!(ENTITY_KINDS as readonly string[]).includes(entity)) {
        throw new InvalidSnapshotConfigError(
          `SNAPSHOT_SCHEDULES entry "${entry}": entity must be one of ${ENTITY_KINDS.join(', ')}`,
        );
      }
      if (mode !== 'full' && mode !== 'incremental') {
        throw new InvalidSnapshotConfigError(`SNAPSHOT_SCHEDULES entry "${entry}": mode must be full or incremental`);
      }
      if (cron.split(/\s+/).length < 5) {
        throw new InvalidSnapshotConfigError(`SNAPSHOT_SCHEDULES entry "${entry}": "${cron}" is not a cron expression`);
      }
      return { connectorId, entity: entity as EntityKind, mode, cron };
    });
}

/** Parses `SNAPSHOT_CONNECTOR_CONCURRENCY` (`crm=1,erp=2`) into a lookup with a default. */
export function parseConcurrency(text: string, fallback: number): (connectorId: string) => number {
  const limits = new Map<string, number>();
  for (const entry of text.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const [id = '', value = ''] = entry.split('=').map((p) => p.trim());
    const n = Number(value);
    if (!CONNECTOR_ID.test(id) || !Number.isInteger(n) || n < 1) {
      throw new InvalidSnapshotConfigError(
        `SNAPSHOT_CONNECTOR_CONCURRENCY entry "${entry}": expected connector=N (N ≥ 1)`,
      );
    }
    limits.set(id, n);
  }
  return (connectorId) => limits.get(connectorId) ?? fallback;
}

/** The deterministic Bull job id of a scheduled run: one job per schedule slot, however often it fires. */
export function scheduledJobId(schedule: SnapshotSchedule, slot: Date): string {
  const slotText = new Date(Math.floor(slot.getTime() / 1000) * 1000).toISOString();
  return `snapshot:${schedule.connectorId}:${schedule.entity}:${schedule.mode}:${slotText}`;
}
