import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';
import { DOMAINS, SEVERITIES } from '@driftwatch/reconciliation-rules';
import { IsZonedDateTime } from '../../http/zoned-date-time';
import {
  ASSIGNEE_MAX_LENGTH,
  ASSIGNEE_ME,
  FINDING_ID,
  FINDING_STATUSES,
  SUPPRESSION_REASON_MAX_LENGTH,
  type FindingStatus,
} from './finding';

/** At most this many findings per assignment or suppression request (as the fix-up bulk actions). */
export const MAX_ASSIGN = 1000;

/** The findings a bulk action takes: 1 to MAX_ASSIGN finding ids. */
const FindingIds = () =>
  applyDecorators(
    ApiProperty({ type: [String], description: `Finding ids (1 to ${MAX_ASSIGN}).` }),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(MAX_ASSIGN),
    Matches(FINDING_ID, { each: true, message: 'each id must be a finding id (32 hex characters)' }),
  );

export class AssignFindingsDto {
  @FindingIds()
  ids!: string[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: `Who works on them: a name, \`${ASSIGNEE_ME}\` for the caller, or null to unassign.`,
  })
  @ValidateIf((body: AssignFindingsDto) => body.assignee !== null)
  @IsString()
  @Length(1, ASSIGNEE_MAX_LENGTH)
  assignee!: string | null;
}

export class AssignFindingsOutcome {
  @ApiProperty({ type: String, nullable: true, description: 'The assignee set (`me` resolved to a name).' })
  assignee!: string | null;
  @ApiProperty({ type: [String], description: 'Findings whose assignee changed.' }) changed!: string[];
  @ApiProperty({ type: [String], description: 'Findings that already had this assignee.' }) unchanged!: string[];
}

export class SuppressFindingsDto {
  @FindingIds()
  ids!: string[];

  @ApiProperty({
    description: `Why the difference is accepted (1 to ${SUPPRESSION_REASON_MAX_LENGTH} characters), e.g. "this customer is deliberately different in the CRM".`,
  })
  @IsString()
  @Length(1, SUPPRESSION_REASON_MAX_LENGTH)
  reason!: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'When the suppression ends (ISO 8601 with a time zone, in the future): the next reconciliation run ' +
      'after it lifts the suppression. Absent: until someone unsuppresses the findings.',
  })
  @IsOptional()
  @IsZonedDateTime()
  until?: string;
}

export class UnsuppressFindingsDto {
  @FindingIds()
  ids!: string[];
}

export class SuppressFindingsOutcome {
  @ApiProperty({ type: [String], description: 'Findings suppressed by this request (they were active).' })
  suppressed!: string[];
  @ApiProperty({ type: [String], description: 'Findings already suppressed: their reason and end were replaced.' })
  updated!: string[];
  @ApiProperty({ type: [String], description: 'Findings already suppressed with this reason and end.' })
  unchanged!: string[];
}

export class UnsuppressFindingsOutcome {
  @ApiProperty({ type: [String], description: 'Findings that are open again.' }) unsuppressed!: string[];
}

/** A finding's current state as the API shows it (list, detail, CSV export). */
export class FindingView {
  @ApiProperty({
    description: 'Stable id (32 hex characters): the same rule, entity, key, field and system keep it across runs.',
  })
  id!: string;
  @ApiProperty() ruleId!: string;
  @ApiProperty({ description: 'The rule version that last saw it.' }) ruleVersion!: number;
  @ApiProperty({ example: 'customer' }) entity!: string;
  @ApiProperty({ description: 'The record the finding is about, e.g. a customer number.' }) matchKey!: string;
  @ApiProperty({ description: 'The field that differs; empty for a finding about a whole record (e.g. missing).' })
  field!: string;
  @ApiProperty({ example: 'mismatch' }) kind!: string;
  @ApiProperty({ description: 'System of record for the field.' }) ownerSystem!: string;
  @ApiProperty({ description: "The owner system's value." }) expectedValue!: string;
  @ApiProperty({ description: 'The system whose value differs.' }) actualSystem!: string;
  @ApiProperty() actualValue!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What the rule recorded about it.' })
  details!: unknown;
  @ApiProperty() score!: number;
  @ApiProperty({ enum: SEVERITIES }) severity!: string;
  @ApiProperty({ enum: DOMAINS }) domain!: string;
  @ApiProperty({ enum: FINDING_STATUSES }) status!: FindingStatus;
  @ApiProperty({ description: 'Runs that saw it.' }) occurrences!: number;
  @ApiProperty({ format: 'date-time' }) firstSeenAt!: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt!: string;
  @ApiProperty({
    format: 'date-time',
    description: 'When the status last changed (appeared, opened, reopened, resolved, suppressed, lifted, retired).',
  })
  statusChangedAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) resolvedAt!: string | null;
  @ApiProperty({ format: 'uuid' }) firstRunId!: string;
  @ApiProperty({ format: 'uuid' }) lastRunId!: string;
  @ApiProperty({ type: String, nullable: true, description: "Who works on it (a person's name); null: nobody." })
  assignee!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) assignedAt!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Who suppressed it; the suppressed* fields are set while it is suppressed, cleared when lifted.',
  })
  suppressedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) suppressedReason!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) suppressedAt!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'When the suppression ends; null: until someone lifts it.',
  })
  suppressedUntil!: string | null;
}

export class FindingsPage {
  @ApiProperty({ type: FindingView, isArray: true }) items!: FindingView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}

class FindingSystemValue {
  @ApiProperty() system!: string;
  @ApiProperty() value!: string;
  @ApiProperty({ enum: FINDING_STATUSES }) status!: FindingStatus;
  @ApiProperty({ description: "This system's finding." }) findingId!: string;
}

class FindingSideBySide {
  @ApiProperty() ownerSystem!: string;
  @ApiProperty() expectedValue!: string;
  @ApiProperty({ type: FindingSystemValue, isArray: true }) systems!: FindingSystemValue[];
}

export class FindingDetail {
  @ApiProperty({ type: FindingView }) finding!: FindingView;
  @ApiProperty({
    type: FindingSideBySide,
    description: "The owner's value and each system's actual value for the same rule, record and field.",
  })
  sideBySide!: FindingSideBySide;
}
