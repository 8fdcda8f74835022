import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { LimitField } from '../../http/request-field.decorators';
import { defineReportQuery } from '../../http/report-query';
import { IsZonedDateTime } from '../../http/zoned-date-time';
import { DOMAINS } from '@driftwatch/reconciliation-rules';
import { ALERT_DECISION_ACTIONS, type AlertAction } from './alert-evaluator';
import { ALERT_DELIVERY_STATUSES, ALERT_STATUSES, type AlertDeliveryStatus } from './alert-state.entity';

export class CreateSilenceDto {
  // The rule file schema's id form: a rule whose id has an underscore can be silenced too.
  @ApiPropertyOptional({ description: 'Reconciliation rule id to silence; a rule of the loaded rule pack.' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_.-]{0,99}$/)
  ruleId?: string;

  // A domain outside the rule set's would silence nothing while looking like it does.
  @ApiPropertyOptional({ description: 'Domain to silence', enum: DOMAINS })
  @IsOptional()
  @IsIn(DOMAINS)
  domain?: string;

  @ApiProperty()
  @IsString()
  @Length(3, 500)
  reason!: string;

  @ApiProperty({ description: 'When the silence expires (ISO 8601)' })
  @IsZonedDateTime()
  endsAt!: string;
}

/** `/api/v1/alerts/deliveries/daily`: a range (default 30 days, at most 366). */
export const DELIVERY_DAYS_QUERY = defineReportQuery({ params: {}, range: { defaultDays: 30, maxDays: 366 } });

export class AlertDeliveryDayDto {
  @ApiProperty({ format: 'date', example: '2026-12-01', description: 'The day (UTC).' }) day!: string;
  @ApiProperty({ type: 'integer', description: 'Messages posted, updated, re-notified or escalated in Slack.' })
  sent!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Held (no Slack configured, silenced, snoozed, quiet hours), once per spell.',
  })
  held!: number;
  @ApiProperty({ type: 'integer', description: 'Deliveries that failed after their retries.' }) failed!: number;
}

/** One alert decision carried out (or held, or failed): a row of the delivery history. */
export class AlertDeliveryView {
  @ApiProperty({ description: 'A bigint as a decimal string; `before` takes it to page back.', example: '1042' })
  id!: string;
  @ApiProperty() alertKey!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'What triggered it: a reconciliation run id, or `status:<time>` for SLA and connector checks.',
  })
  runId!: string | null;
  @ApiProperty({ enum: ALERT_DECISION_ACTIONS }) action!: AlertAction;
  @ApiProperty() channel!: string;
  @ApiProperty({ enum: ALERT_DELIVERY_STATUSES }) status!: AlertDeliveryStatus;
  @ApiProperty({ type: String, nullable: true, description: 'Why it was held, or the error it failed with.' })
  detail!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The Slack message timestamp, when one was sent.' })
  messageTs!: string | null;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** A silence: alerts of its rule and/or domain are held until it ends. */
export class AlertSilenceView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) ruleId!: string | null;
  @ApiProperty({ type: String, nullable: true }) domain!: string | null;
  @ApiProperty() reason!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ format: 'date-time' }) endsAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** The answer to a Slack button click. */
export class SlackInteractionAnswer {
  @ApiProperty({ description: 'What was done, one line per action of the click.' }) text!: string;
}

export class ListDeliveriesQuery {
  @LimitField(500, { default: 200 })
  limit?: number;

  @ApiPropertyOptional({ description: 'Only deliveries older than this one (its id): the next page.' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,18}$/, { message: 'before must be a delivery id' })
  before?: string;

  @ApiPropertyOptional({ description: 'Only this alert (alert rule:reconciliation rule:channel).' })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  alertKey?: string;
}

export const ALERT_STATE_FILTERS = [...ALERT_STATUSES, 'all'] as const;

export class ListAlertStatesQuery {
  @ApiPropertyOptional({
    enum: ALERT_STATE_FILTERS,
    default: 'firing',
    description: 'Which alerts: firing now (default), resolved, or all.',
  })
  @IsOptional()
  @IsIn(ALERT_STATE_FILTERS)
  status?: (typeof ALERT_STATE_FILTERS)[number];

  @LimitField(500, { default: 100 })
  limit?: number;
}
