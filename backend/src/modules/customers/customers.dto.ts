import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RecordState } from '../stewardship/stewardship-item';

// The Customer 360 answer: the repository and service build these shapes, the API documents them.

export class CustomerMatchRecordDto {
  @ApiProperty({ example: 'erp' }) system!: string;
  @ApiProperty() entityKey!: string;
  @ApiProperty() legalName!: string;
  @ApiProperty() email!: string;
  @ApiProperty() country!: string;
  @ApiProperty() status!: string;
}

export class CustomerMatchDto {
  @ApiProperty({ example: 'C0001' }) customerNumber!: string;
  @ApiProperty({ type: [CustomerMatchRecordDto], description: 'One entry per system record with this number.' })
  records!: CustomerMatchRecordDto[];
}

export class CustomerSearchPageDto {
  @ApiProperty({ type: [CustomerMatchDto] }) items!: CustomerMatchDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class FieldComparisonDto {
  @ApiProperty({ example: 'legal_name' }) field!: string;
  @ApiProperty({ description: 'System of record for the field (ownership policy).' }) ownerSystem!: string;
  @ApiProperty({ type: [String], description: 'One value per record, in the order of `records`.' }) values!: string[];
  @ApiProperty({
    description:
      'True when the records hold more than one distinct value; never for a system-local reference, whose values differ by nature.',
  })
  differs!: boolean;
  @ApiProperty({
    description:
      "A reference in each system's own key space (a CRM account id against an ERP customer account): shown, not compared.",
  })
  systemLocal!: boolean;
}

export class EntitySideBySideDto {
  @ApiProperty() entity!: string;
  @ApiProperty({ type: [RecordState] }) records!: RecordState[];
  @ApiProperty({ type: [FieldComparisonDto] }) fields!: FieldComparisonDto[];
}

export class CrosswalkLinkDto {
  @ApiProperty() system!: string;
  @ApiProperty() entityKey!: string;
  @ApiProperty() globalId!: string;
  @ApiProperty() linkId!: string;
  @ApiProperty({ format: 'date-time' }) linkedAt!: string;
}

export class CustomerFindingDto {
  @ApiProperty() id!: string;
  @ApiProperty() ruleId!: string;
  @ApiProperty() entity!: string;
  @ApiProperty({ description: "The customer number, or a contact's email for a contact finding." }) matchKey!: string;
  @ApiProperty() field!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() severity!: string;
  @ApiProperty() status!: string;
  @ApiProperty() ownerSystem!: string;
  @ApiProperty() expectedValue!: string;
  @ApiProperty() actualSystem!: string;
  @ApiProperty() actualValue!: string;
  @ApiProperty({ format: 'date-time' }) firstSeenAt!: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) resolvedAt!: string | null;
}

export class CustomerFixTaskDto {
  @ApiProperty() id!: string;
  @ApiProperty() findingId!: string;
  @ApiProperty() targetSystem!: string;
  @ApiProperty() state!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class FieldChangeDto {
  @ApiProperty() field!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
}

export class TimelineEventDto {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ enum: ['snapshot', 'change', 'status', 'finding_opened', 'finding_resolved', 'fixup'] }) type!: string;
  @ApiPropertyOptional({ description: 'System concerned (all types).' }) system?: string;
  @ApiPropertyOptional({ description: 'snapshot, change.' }) entityKey?: string;
  @ApiPropertyOptional({ description: 'snapshot, change.' }) snapshotId?: string;
  @ApiPropertyOptional({ type: [FieldChangeDto], description: 'change: fields that differ from the previous capture.' })
  changes?: FieldChangeDto[];
  @ApiPropertyOptional({ description: 'status: the entity of the transition.' }) entity?: string;
  @ApiPropertyOptional({ description: 'status, finding_*: the field.' }) field?: string;
  @ApiPropertyOptional({ description: 'status: the new value.' }) value?: string;
  @ApiPropertyOptional({ description: 'finding_*, fixup.' }) findingId?: string;
  @ApiPropertyOptional({ description: 'finding_*.' }) ruleId?: string;
  @ApiPropertyOptional({ description: 'finding_*.' }) severity?: string;
  @ApiPropertyOptional({ description: 'fixup.' }) taskId?: string;
  @ApiPropertyOptional({ description: 'fixup: the task state.' }) state?: string;
}

export class Customer360Dto {
  @ApiProperty() customerNumber!: string;
  @ApiProperty({ type: EntitySideBySideDto, description: 'Every system’s customer record side by side.' })
  customer!: EntitySideBySideDto;
  @ApiProperty({ type: EntitySideBySideDto }) creditProfile!: EntitySideBySideDto;
  @ApiProperty({ type: [RecordState] }) contacts!: RecordState[];
  @ApiProperty({ type: [CrosswalkLinkDto], description: 'Identity links confirmed by stewards (empty if none).' })
  crosswalk!: CrosswalkLinkDto[];
  @ApiProperty({ type: [CustomerFindingDto] }) openFindings!: CustomerFindingDto[];
  @ApiProperty({ type: [CustomerFixTaskDto] }) fixTasks!: CustomerFixTaskDto[];
  @ApiProperty({ type: [TimelineEventDto], description: 'Newest first, at most 300.' }) timeline!: TimelineEventDto[];
}
