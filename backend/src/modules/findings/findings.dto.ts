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
import { IsZonedDateTime } from '../../http/zoned-date-time';
import { ASSIGNEE_MAX_LENGTH, ASSIGNEE_ME, FINDING_ID, SUPPRESSION_REASON_MAX_LENGTH } from './finding';

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
