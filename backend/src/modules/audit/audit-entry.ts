import { ApiProperty } from '@nestjs/swagger';

/** What a mutation records. `actor` defaults to the caller of the current request. */
export interface AuditEntryInput {
  action: string;
  subjectType: string;
  subjectId?: string | null;
  before?: unknown;
  after?: unknown;
  actor?: string;
}

export class AuditEntryView {
  @ApiProperty({ description: 'Sequential id (text: it is a 64-bit number).' }) id!: string;
  @ApiProperty({ format: 'date-time', description: 'UTC, microsecond precision.' }) at!: string;
  @ApiProperty({ example: 'api-key:0123456789ab' }) actor!: string;
  @ApiProperty({ example: 'api-key.revoke' }) action!: string;
  @ApiProperty({ example: 'api_key' }) subjectType!: string;
  @ApiProperty({ nullable: true, type: String }) subjectId!: string | null;
  @ApiProperty({ nullable: true, type: Object }) before!: unknown;
  @ApiProperty({ nullable: true, type: Object }) after!: unknown;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;
}

export class AuditPage {
  @ApiProperty({ type: AuditEntryView, isArray: true }) items!: AuditEntryView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page.' })
  nextCursor!: string | null;
}
