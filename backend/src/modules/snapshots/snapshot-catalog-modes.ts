import { raw } from '../../clickhouse/sql';

/** How a complete snapshot is catalogued: `keyed` holds a change event's records only (snapshot_runs.keys). */
export type CatalogMode = 'full' | 'incremental' | 'keyed';

/**
 * A catalog row of a whole snapshot (full or incremental), not a keyed one: a keyed snapshot is never
 * the system's whole state, its freshness or a base to read the system from.
 */
export const WHOLE_SNAPSHOT = raw(`mode != 'keyed'`);
