import { ApiProperty } from '@nestjs/swagger';

class SeverityCountDto {
  @ApiProperty({ enum: ['critical', 'high', 'medium', 'low', 'info'] }) severity!: string;
  @ApiProperty() open!: number;
}

class DriftRateDto {
  @ApiProperty({ example: 'customer' }) domain!: string;
  @ApiProperty({ example: 'crm' }) system!: string;
  @ApiProperty({ description: 'Open (new, open, reopened) findings of this domain whose actual system is this one.' })
  openFindings!: number;
  @ApiProperty({ description: 'Records of the entities involved in the system’s latest complete full snapshots.' })
  records!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'openFindings per 1,000 records; null without records.' })
  perThousand!: number | null;
}

class RecordCountDto {
  @ApiProperty() system!: string;
  @ApiProperty() entity!: string;
  @ApiProperty() records!: number;
  @ApiProperty() snapshotId!: string;
  @ApiProperty({ format: 'date-time' }) completedAt!: string;
}

class FlowDto {
  @ApiProperty() opened!: number;
  @ApiProperty() reopened!: number;
  @ApiProperty() resolved!: number;
}

class DayRangeDto {
  @ApiProperty({ example: '2026-01-01' }) from!: string;
  @ApiProperty({ example: '2026-01-31' }) to!: string;
}

class AutoHealDto {
  @ApiProperty({ description: 'Resolutions in the flow days.' }) resolved!: number;
  @ApiProperty({ description: 'Findings resolved in the flow days whose fix-up task is done.' })
  healedByFixup!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'healedByFixup / resolved in %.' })
  ratePercent!: number | null;
  @ApiProperty({ description: 'False while this installation has no fix-up tasks table.' })
  fixupsTracked!: boolean;
}

class DuplicatesDto {
  @ApiProperty({ description: 'Open duplicate and duplicate_candidate findings.' }) openFindings!: number;
  @ApiProperty({ description: 'Customer records in the latest complete full snapshots.' }) records!: number;
  @ApiProperty({ type: Number, nullable: true }) perThousand!: number | null;
}

class OverviewSlaRouteDto {
  @ApiProperty() ruleId!: string;
  @ApiProperty() route!: string;
  @ApiProperty() entity!: string;
  @ApiProperty() fromSystem!: string;
  @ApiProperty() toSystem!: string;
  @ApiProperty() withinSeconds!: number;
  @ApiProperty() events!: number;
  @ApiProperty() breaches!: number;
  @ApiProperty({ type: Number, nullable: true }) adherencePercent!: number | null;
  @ApiProperty({ type: Number, nullable: true }) p50Seconds!: number | null;
  @ApiProperty({ type: Number, nullable: true }) p95Seconds!: number | null;
}

class SuppressedDto {
  @ApiProperty({ description: 'Suppressed findings now (accepted exceptions; not in the open figures).' })
  findings!: number;
  @ApiProperty({ description: 'Of those, suppressions that end within 7 days.' }) endingWithin7Days!: number;
}

class TopRuleDto {
  @ApiProperty() ruleId!: string;
  @ApiProperty() severity!: string;
  @ApiProperty() domain!: string;
  @ApiProperty({ description: 'Open findings now.' }) open!: number;
  @ApiProperty({ description: 'Findings first seen in the flow days.' }) openedInRange!: number;
}

export class OverviewDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: DayRangeDto, description: 'Whole UTC days counted by the flow figures.' })
  flowDays!: DayRangeDto;
  @ApiProperty({ type: [String], nullable: true }) systems!: string[] | null;
  @ApiProperty({ description: 'Open findings now (new, open, reopened).' }) openTotal!: number;
  @ApiProperty({ type: [SeverityCountDto] }) openBySeverity!: SeverityCountDto[];
  @ApiProperty({ type: [DriftRateDto] }) driftRate!: DriftRateDto[];
  @ApiProperty({ type: [RecordCountDto], description: 'Latest complete full snapshot per system and entity.' })
  records!: RecordCountDto[];
  @ApiProperty({ type: FlowDto }) flow!: FlowDto;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean of resolved_at − first_seen_at of resolutions.' })
  meanTimeToResolveSeconds!: number | null;
  @ApiProperty({ type: AutoHealDto }) autoHeal!: AutoHealDto;
  @ApiProperty({ type: SuppressedDto }) suppressed!: SuppressedDto;
  @ApiProperty({ type: DuplicatesDto }) duplicates!: DuplicatesDto;
  @ApiProperty({ type: [OverviewSlaRouteDto] }) sla!: OverviewSlaRouteDto[];
  @ApiProperty({ type: [TopRuleDto] }) topRules!: TopRuleDto[];
}

class TrendPointDto {
  @ApiProperty({ example: '2026-01-05', description: 'First day of the bucket (UTC; weeks start on Monday).' })
  bucket!: string;
  @ApiProperty() opened!: number;
  @ApiProperty() reopened!: number;
  @ApiProperty() resolved!: number;
  @ApiProperty({ description: 'Open findings at the end of the bucket.' }) openAtEnd!: number;
}

class TrendSeriesDto {
  @ApiProperty({ description: 'The domain, severity or rule id.' }) key!: string;
  @ApiProperty({ type: [TrendPointDto] }) points!: TrendPointDto[];
}

export class TrendsDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ enum: ['day', 'week'] }) interval!: 'day' | 'week';
  @ApiProperty({ enum: ['domain', 'severity', 'rule'] }) groupBy!: string;
  @ApiProperty({ type: [String] }) buckets!: string[];
  @ApiProperty({ type: [TrendSeriesDto] }) series!: TrendSeriesDto[];
  @ApiProperty({ type: [TrendPointDto], description: 'All series added up.' }) total!: TrendPointDto[];
}
