import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../../backend/src/database/data-source';
import { FindingsMergeRepository } from '../../../../backend/src/modules/findings/findings-merge.repository';
import { FindingsRepository } from '../../../../backend/src/modules/findings/findings.repository';
import { isolatedPostgres } from '../../support/test-services';

export interface FindingsStore {
  dataSource: DataSource;
  findings: FindingsRepository;
  /** What runs write: observations merged, unseen findings resolved. */
  merge: FindingsMergeRepository;
  close(): Promise<void>;
}

/** A migrated Postgres database of the spec's own, with the findings repositories over it. */
export async function migratedFindingsStore(): Promise<FindingsStore> {
  const db = await isolatedPostgres();
  const dataSource = new DataSource(dataSourceOptions(db.url));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    findings: new FindingsRepository(dataSource),
    merge: new FindingsMergeRepository(dataSource),
    async close() {
      await dataSource.destroy();
      await db.drop();
    },
  };
}
