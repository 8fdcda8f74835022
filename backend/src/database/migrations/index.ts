import { AuditLog0000000000001 } from './0001-audit-log';
import { ApiKeys0000000000002 } from './0002-api-keys';
import { SnapshotRuns0000000000003 } from './0003-snapshot-runs';
import { Alerts0000000000004 } from './0004-alerts';
import { Reconciliation0000000000005 } from './0005-reconciliation';
import { Fixups0000000000006 } from './0006-fixups';
import { Stewardship0000000000007 } from './0007-stewardship';
import { DashboardRollups0000000000008 } from './0008-dashboard-rollups';
import { FindingAssignment0000000000009 } from './0009-finding-assignment';
import { FindingsRollupNeutralUpdates0000000000010 } from './0010-findings-rollup-neutral-updates';
import { FindingsSightingIndexes0000000000011 } from './0011-findings-sighting-indexes';
import { FindingsStatusListOrder0000000000012 } from './0012-findings-status-list-order';
import { FindingsRetiredStatus0000000000013 } from './0013-findings-retired-status';
import { FindingSuppression0000000000014 } from './0014-finding-suppression';
import { FindingsByteOrderKeys0000000000015 } from './0015-findings-byte-order-keys';
import { FindingsHotSightings0000000000016 } from './0016-findings-hot-sightings';
import { TargetedRunFindings0000000000017 } from './0017-targeted-run-findings';
import { RunHistoryRetention0000000000018 } from './0018-run-history-retention';
import { FixupListOrder0000000000019 } from './0019-fixup-list-order';
import { SnapshotRunIndexes0000000000020 } from './0020-snapshot-run-indexes';
import { ActiveSnapshotRuns0000000000021 } from './0021-active-snapshot-runs';
import { RunCounts0000000000022 } from './0022-run-counts';
import { SnapshotRunWatermarks0000000000023 } from './0023-snapshot-run-watermarks';
import { SnapshotRunLookups0000000000024 } from './0024-snapshot-run-lookups';
import { AuditLogLookups0000000000025 } from './0025-audit-log-lookups';
import { FullRunHistory0000000000026 } from './0026-full-run-history';
import { FindingUnsettledRun0000000000027 } from './0027-finding-unsettled-run';
import { AlertDeliveryDays0000000000028 } from './0028-alert-delivery-days';
import { AlertMessageLinks0000000000029 } from './0029-alert-message-links';

/** Every Postgres migration in order; listed explicitly so builds and tests load the same set. */
export const POSTGRES_MIGRATIONS = [
  AuditLog0000000000001,
  ApiKeys0000000000002,
  SnapshotRuns0000000000003,
  Alerts0000000000004,
  Reconciliation0000000000005,
  Fixups0000000000006,
  Stewardship0000000000007,
  DashboardRollups0000000000008,
  FindingAssignment0000000000009,
  FindingsRollupNeutralUpdates0000000000010,
  FindingsSightingIndexes0000000000011,
  FindingsStatusListOrder0000000000012,
  FindingsRetiredStatus0000000000013,
  FindingSuppression0000000000014,
  FindingsByteOrderKeys0000000000015,
  FindingsHotSightings0000000000016,
  TargetedRunFindings0000000000017,
  RunHistoryRetention0000000000018,
  FixupListOrder0000000000019,
  SnapshotRunIndexes0000000000020,
  ActiveSnapshotRuns0000000000021,
  RunCounts0000000000022,
  SnapshotRunWatermarks0000000000023,
  SnapshotRunLookups0000000000024,
  AuditLogLookups0000000000025,
  FullRunHistory0000000000026,
  FindingUnsettledRun0000000000027,
  AlertDeliveryDays0000000000028,
  AlertMessageLinks0000000000029,
];
