import { ApiProperty } from '@nestjs/swagger';

export class RouteSlaDto {
  @ApiProperty({ example: 'order.status-propagation-sla' }) ruleId!: string;
  @ApiProperty({ example: 'erp_to_crm_order_status' }) route!: string;
  @ApiProperty({ example: 'order' }) entity!: string;
  @ApiProperty({ example: 'status' }) field!: string;
  @ApiProperty({ example: 'erp' }) fromSystem!: string;
  @ApiProperty({ example: 'crm' }) toSystem!: string;
  @ApiProperty({ description: 'The rule’s limit.', example: 900 }) withinSeconds!: number;
  @ApiProperty() severity!: string;
  @ApiProperty() domain!: string;
  @ApiProperty({ description: 'Source events in the range.' }) events!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty({ description: 'Delivered late, or undelivered and older than the limit.' }) breaches!: number;
  @ApiProperty({ description: 'Undelivered but still within the limit (not judged yet).' }) pending!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Judged events (events − pending) delivered within the limit, in %.',
  })
  adherencePercent!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Median latency of delivered events.' })
  p50Seconds!: number | null;
  @ApiProperty({ type: Number, nullable: true }) p95Seconds!: number | null;
  @ApiProperty({ type: Number, nullable: true }) maxSeconds!: number | null;
  @ApiProperty({ description: 'The rule’s open sla_breach findings now.' }) openBreachFindings!: number;
}

export class FreshnessSlaDto {
  @ApiProperty({ example: 'customer.snapshot-freshness' }) ruleId!: string;
  @ApiProperty({ example: 'erp' }) system!: string;
  @ApiProperty({ example: 21600 }) maxAgeSeconds!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastCompleteAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) ageSeconds!: number | null;
  @ApiProperty() fresh!: boolean;
}

export class SlaReportDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [RouteSlaDto] }) routes!: RouteSlaDto[];
  @ApiProperty({ type: [FreshnessSlaDto], description: 'Each freshness rule’s systems now (not range-bound).' })
  freshness!: FreshnessSlaDto[];
}
