/** Every Bull queue Driftwatch uses. Corrective sync has one queue per target connector. */
export const QUEUE = {
  snapshot: 'snapshot',
  reconcile: 'reconcile',
  alerts: 'alerts',
  /** Opens stewardship items from a completed reconciliation run's duplicate and presence findings. */
  stewardship: 'stewardship',
  /** Plans fix-up tasks from a completed reconciliation run's findings. */
  fixups: 'fixups',
  /** Drops ClickHouse history older than the configured retention (modules/retention). */
  retention: 'retention',
} as const;

export type StaticQueueName = (typeof QUEUE)[keyof typeof QUEUE];

export const CORRECTIVE_SYNC_PREFIX = 'corrective-sync';

export function correctiveSyncQueue(connectorId: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(connectorId)) throw new Error(`invalid connector id ${JSON.stringify(connectorId)}`);
  return `${CORRECTIVE_SYNC_PREFIX}:${connectorId}`;
}
