import { ApiProperty } from '@nestjs/swagger';
import { SEVERITIES, type Severity } from './alert-rule.schema';
import { ALERT_STATUSES, type AlertStateEntity, type AlertStatus } from './alert-state.entity';

export class AlertCountsView {
  @ApiProperty({ type: 'integer' }) new!: number;
  @ApiProperty({ type: 'integer' }) open!: number;
  @ApiProperty({ type: 'integer' }) resolved!: number;
}

export class AlertFactView {
  @ApiProperty() label!: string;
  @ApiProperty() value!: string;
}

/** An alert as it stands, for the API: its state plus what its last message said. */
export class AlertStateView {
  @ApiProperty({ description: 'Alert rule id, reconciliation rule id and channel, joined by `:`.' })
  alertKey!: string;
  @ApiProperty() alertRuleId!: string;
  @ApiProperty({ description: 'The reconciliation rule alerted on; `connector:<id>` for connector alerts.' })
  ruleId!: string;
  @ApiProperty() channel!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The alert's Slack message, to open it and its thread; null when posted by webhook or gone.",
  })
  messageUrl!: string | null;
  @ApiProperty({ enum: ALERT_STATUSES }) status!: AlertStatus;
  @ApiProperty({ type: String, nullable: true }) title!: string | null;
  @ApiProperty({ enum: SEVERITIES, nullable: true }) severity!: Severity | null;
  @ApiProperty({ type: String, nullable: true }) domain!: string | null;
  @ApiProperty({
    type: AlertCountsView,
    nullable: true,
    description: 'The finding counts of the last message (findings alerts); null for SLA and connector alerts.',
  })
  counts!: AlertCountsView | null;
  @ApiProperty({
    type: AlertFactView,
    isArray: true,
    description: 'What SLA and connector alerts show instead of counts; empty for findings alerts.',
  })
  facts!: AlertFactView[];
  @ApiProperty({ format: 'date-time' }) firstFiredAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastNotifiedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resolvedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) acknowledgedBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) acknowledgedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) escalatedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) snoozedUntil!: string | null;
  @ApiProperty({
    format: 'date-time',
    description: 'When its message last changed (posted, updated, acknowledged, snoozed).',
  })
  updatedAt!: string;
}

export class AlertStateList {
  @ApiProperty({ description: 'Whether Slack is configured: alert states are kept only for alerts posted to it.' })
  slackConfigured!: boolean;
  @ApiProperty({ type: AlertStateView, isArray: true }) items!: AlertStateView[];
}

const iso = (at: Date | null): string | null => (at ? at.toISOString() : null);

export function toAlertStateView(state: AlertStateEntity): AlertStateView {
  const message = state.lastMessage;
  return {
    alertKey: state.alertKey,
    alertRuleId: state.alertRuleId,
    ruleId: state.ruleId,
    channel: state.channel,
    messageUrl: state.messageUrl,
    status: state.status,
    title: message?.title ?? null,
    severity: message?.severity ?? null,
    domain: message?.domain ?? null,
    counts:
      message && !message.facts
        ? { new: message.counts.new, open: message.counts.open, resolved: message.counts.resolved }
        : null,
    facts: (message?.facts ?? []).map(({ label, value }) => ({ label, value })),
    firstFiredAt: state.firstFiredAt.toISOString(),
    lastNotifiedAt: iso(state.lastNotifiedAt),
    resolvedAt: iso(state.resolvedAt),
    acknowledgedBy: state.acknowledgedBy,
    acknowledgedAt: iso(state.acknowledgedAt),
    escalatedAt: iso(state.escalatedAt),
    snoozedUntil: iso(state.snoozedUntil),
    updatedAt: state.updatedAt.toISOString(),
  };
}
