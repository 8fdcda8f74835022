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
    description:
      'What triggered it: a reconciliation run id, `status:<time>` for SLA and connector checks, `digest:<slot>` for a scheduled digest or `digest:manual:<time>` for one sent from the API.',
  })
  runId!: string | null;
  @ApiProperty({
    enum: [...ALERT_DECISION_ACTIONS, 'digest'],
    description: 'What was done for the alert; `digest` for a digest (alert key `digest:<id>`).',
  })
  action!: AlertAction | 'digest';
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

/** A digest of the alert rules file: what it sends where, and when. */
export class DigestView {
  @ApiProperty() id!: string;
  @ApiProperty() description!: string;
  @ApiProperty() channel!: string;
  @ApiProperty({ description: 'Five-field cron, UTC.', example: '0 7 * * 1-5' }) schedule!: string;
  @ApiProperty({ type: 'integer', description: 'Whole UTC days covered, ending the day before the tick.' })
  days!: number;
  @ApiProperty({ type: [String], description: 'Systems the figures are narrowed to; empty = all.' })
  systems!: string[];
  @ApiProperty({ type: 'integer', description: 'Rules with the most open findings the message lists.' })
  topRules!: number;
}

/** What sending a digest did. */
export class DigestOutcomeView {
  @ApiProperty() digestId!: string;
  @ApiProperty() channel!: string;
  @ApiProperty({ enum: ['sent', 'held', 'failed', 'already_sent'] }) status!:
    'sent' | 'held' | 'failed' | 'already_sent';
  @ApiProperty({ type: String, nullable: true, description: 'Why it was held, or the error it failed with.' })
  detail!: string | null;
  @ApiProperty({ description: 'First UTC day covered (YYYY-MM-DD).' }) fromDay!: string;
  @ApiProperty({ description: 'Last UTC day covered; today (so far) when sent from the API.' }) toDay!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The Slack message timestamp, when one was sent.' })
  messageTs!: string | null;
}
