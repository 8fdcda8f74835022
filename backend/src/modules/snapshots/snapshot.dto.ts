import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ENTITY_KINDS, type EntityKind } from '../../connectors/canonical-model';
import { LimitField, TargetKeys } from '../../http/request-field.decorators';
import { RUN_STATUSES, type RunStatus } from './snapshot-run.entity';
import { MAX_TARGETED_KEYS } from './snapshots.service';

export class CreateSnapshotDto {
  @ApiProperty({ example: 'crm', description: 'Connector instance id.' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]*$/)
  connectorId!: string;

  @ApiProperty({ enum: ENTITY_KINDS })
  @IsIn(ENTITY_KINDS)
  entity!: EntityKind;

  @ApiProperty({ enum: ['full', 'incremental'] })
  @IsIn(['full', 'incremental'])
  mode!: 'full' | 'incremental';

  @TargetKeys(MAX_TARGETED_KEYS, 'Snapshot only these source keys (incremental).')
  keys?: string[];
}

export class ListSnapshotsQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() connectorId?: string;
  @ApiPropertyOptional({ enum: ENTITY_KINDS }) @IsOptional() @IsIn(ENTITY_KINDS) entity?: EntityKind;
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES) status?: RunStatus;
  @LimitField(500, { default: 50 })
  limit?: number;
}

export class RunningProgressQuery {
  @ApiPropertyOptional({ description: 'Only this connector’s runs.' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]*$/)
  connectorId?: string;
}

export class EnqueuedSnapshotDto {
  @ApiProperty() runId!: string;
  @ApiProperty() jobId!: string;
  @ApiProperty({ description: 'SSE stream of this run’s progress.' }) progressUrl!: string;
}

/**
 * What the progress streams, the connectors status and the CLI bar show about a run. Published as
 * SnapshotProgressDto, the name the connectors status gave it first (the frontend's generated types use it).
 */
@ApiSchema({ name: 'SnapshotProgressDto' })
export class SnapshotProgress {
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty() connectorId!: string;
  @ApiProperty({ enum: ENTITY_KINDS }) entity!: string;
  @ApiProperty({ enum: ['full', 'incremental'] }) mode!: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: RunStatus;
  @ApiProperty() rowsRead!: number;
  @ApiProperty() rowsWritten!: number;
  @ApiProperty() rejects!: number;
  @ApiProperty() elapsedMs!: number;
  @ApiProperty() rowsPerS!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Known only when the source reports a total.' })
  total!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '100 once complete; else known only with a total.' })
  percent!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds left (running, total known); 0 once complete.' })
  etaS!: number | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

/** What the all-runs progress stream sends at each change. */
export class RunningProgress {
  @ApiProperty({
    type: [SnapshotProgress],
    description: 'Queued and running runs, plus runs that ended since the previous event (with their final status).',
  })
  runs!: SnapshotProgress[];
  @ApiProperty({
    description: 'How many of `runs` are still queued or running; the stream ends after an event with 0.',
  })
  active!: number;
}

/** A snapshot run as GET snapshots shows it: its row (snapshot_runs), and its progress figures. */
export class SnapshotRunView {
  @ApiProperty({ format: 'uuid', description: 'Also the snapshot_id of its rows in ClickHouse.' }) id!: string;
  @ApiProperty({ example: 'crm' }) connectorId!: string;
  @ApiProperty({ enum: ENTITY_KINDS }) entity!: string;
  @ApiProperty({ enum: ['full', 'incremental'] }) mode!: 'full' | 'incremental';
  @ApiProperty({ example: 'schedule', description: 'What asked for it: schedule, api, cli or event.' })
  trigger!: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: RunStatus;
  @ApiProperty({ type: [String], nullable: true, description: 'Only these source keys (a change event); null: all.' })
  keys!: string[] | null;
  @ApiProperty({ type: String, nullable: true }) jobId!: string | null;
  @ApiProperty({ description: "The queue job's attempt this run is." }) attempt!: number;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'A retry: the run of the earlier attempt it replaces.',
  })
  replacesRunId!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Incremental: the source changes since this time were read.',
  })
  since!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The newest source timestamp read (where the next incremental run starts).',
  })
  watermark!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The source's position after the last batch read." })
  cursor!: string | null;
  @ApiProperty() rowsRead!: number;
  @ApiProperty() rowsWritten!: number;
  @ApiProperty({ description: 'Source records rejected (invalid), not written.' }) rejects!: number;
  @ApiProperty({ description: 'A full run: keys absent from the source since the previous one (marked deleted).' })
  deletedKeys!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Records to read, when the source reports it.' })
  total!: number | null;
  @ApiProperty({ type: Number, nullable: true }) rowsPerS!: number | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) queuedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "The worker's last sign of life." })
  heartbeatAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the rows of a run that did not complete were removed from ClickHouse.',
  })
  purgedAt!: string | null;
  @ApiProperty({ type: SnapshotProgress }) progress!: SnapshotProgress;
}
