import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { ASSIGNEE_MAX_LENGTH, ASSIGNEE_ME, FINDING_ID } from './finding';

/** At most this many findings per assignment request (as the fix-up bulk actions). */
export const MAX_ASSIGN = 1000;

export class AssignFindingsDto {
  @ApiProperty({ type: [String], description: `Finding ids (1 to ${MAX_ASSIGN}).` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ASSIGN)
  @Matches(FINDING_ID, { each: true, message: 'each id must be a finding id (32 hex characters)' })
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
