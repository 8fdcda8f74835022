import { ApiProperty } from '@nestjs/swagger';
import { ENTITY_KINDS, type EntityKind } from '@driftwatch/reconciliation-rules';

export type FreshnessState = 'fresh' | 'stale' | 'never' | 'unscheduled';
import { SnapshotProgress } from '../snapshots/snapshot.dto';

/** A finished snapshot run as the connector page shows it (ConnectorsStatusRepository builds these). */
export class SnapshotRunSummaryDto {
  @ApiProperty() runId!: string;
  @ApiProperty() connectorId!: string;
  @ApiProperty() entity!: string;
  @ApiProperty({ enum: ['full', 'incremental'] }) mode!: string;
  @ApiProperty({ enum: ['complete', 'partial', 'failed'] }) status!: string;
  @ApiProperty() rowsWritten!: number;
  @ApiProperty({ type: Number, nullable: true }) rowsPerS!: number | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export class SnapshotScheduleDto {
  @ApiProperty({ enum: ['full', 'incremental'] }) mode!: 'full' | 'incremental';
  @ApiProperty({ example: '*/5 * * * *' }) cron!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Shortest gap between firings.' })
  intervalSeconds!: number | null;
}

export class EntitySnapshotStatusDto {
  @ApiProperty({ example: 'customer' }) entity!: string;
  @ApiProperty({ type: [SnapshotScheduleDto] }) schedules!: SnapshotScheduleDto[];
  @ApiProperty({
    type: SnapshotRunSummaryDto,
    nullable: true,
    description:
      "Latest complete run over the whole entity, full or incremental (runs of a change event's keys are left out).",
  })
  lastComplete!: SnapshotRunSummaryDto | null;
  @ApiProperty({ type: SnapshotRunSummaryDto, nullable: true }) lastCompleteFull!: SnapshotRunSummaryDto | null;
  @ApiProperty({
    type: SnapshotRunSummaryDto,
    nullable: true,
    description: 'Latest finished whole-entity run, any outcome.',
  })
  lastFinished!: SnapshotRunSummaryDto | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds since lastComplete finished.' })
  ageSeconds!: number | null;
  @ApiProperty({
    enum: ['fresh', 'stale', 'never', 'unscheduled'],
    description: 'fresh: age within two intervals of the shortest schedule; unscheduled: no schedule to judge by.',
  })
  freshness!: FreshnessState;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Rows read per second over the last 5 complete whole-entity runs.',
  })
  throughputRowsPerS!: number | null;
  @ApiProperty() throughputRuns!: number;
}

export class ConnectorHealthDto {
  @ApiProperty() up!: boolean;
  @ApiProperty() latencyMs!: number;
  @ApiProperty({ required: false, description: 'Why it is down (secrets redacted).' }) detail?: string;
  @ApiProperty({ format: 'date-time' }) checkedAt!: string;
  @ApiProperty({ description: 'True when this answer comes from the short health cache.' }) cached!: boolean;
}

export class ConnectorStatusDto {
  @ApiProperty({ example: 'crm' }) id!: string;
  @ApiProperty({ example: 'salesforce' }) kind!: string;
  @ApiProperty({ enum: ENTITY_KINDS, isArray: true }) entities!: EntityKind[];
  @ApiProperty({ enum: ENTITY_KINDS, isArray: true }) writableEntities!: EntityKind[];
  @ApiProperty() incremental!: boolean;
  @ApiProperty() changeEvents!: boolean;
  @ApiProperty({
    description:
      "The scheduler subscribes to the system's change stream (SNAPSHOT_CHANGE_STREAMS, e.g. Salesforce CDC).",
  })
  changeStream!: boolean;
  @ApiProperty({ type: ConnectorHealthDto }) health!: ConnectorHealthDto;
  @ApiProperty({ type: [EntitySnapshotStatusDto] }) snapshots!: EntitySnapshotStatusDto[];
  @ApiProperty({ type: [SnapshotProgress], description: 'Queued and running snapshot runs.' })
  running!: SnapshotProgress[];
}

export class ConnectorStatusListDto {
  @ApiProperty({ type: [ConnectorStatusDto] }) items!: ConnectorStatusDto[];
}
