import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
