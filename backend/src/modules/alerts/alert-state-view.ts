import type { AlertStateEntity } from './alert-state.entity';

/** An alert as it stands, for the API: its state plus what its last message said. */
export interface AlertStateView {
  alertKey: string;
  alertRuleId: string;
  ruleId: string;
  channel: string;
  status: 'firing' | 'resolved';
  title: string | null;
  severity: string | null;
  domain: string | null;
  /** The finding counts of the last message (findings alerts); null for SLA and connector alerts. */
  counts: { new: number; open: number; resolved: number } | null;
  /** What SLA and connector alerts show instead of counts. */
  facts: { label: string; value: string }[];
  firstFiredAt: string;
  lastNotifiedAt: string | null;
  resolvedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  escalatedAt: string | null;
  snoozedUntil: string | null;
  /** When its message last changed (posted, updated, acknowledged, snoozed). */
  updatedAt: string;
}

const iso = (at: Date | null): string | null => (at ? at.toISOString() : null);

export function toAlertStateView(state: AlertStateEntity): AlertStateView {
  const message = state.lastMessage;
  return {
    alertKey: state.alertKey,
    alertRuleId: state.alertRuleId,
    ruleId: state.ruleId,
    channel: state.channel,
    status: state.status,
    title: message?.title ?? null,
    severity: message?.severity ?? null,
    domain: message?.domain ?? null,
    counts:
      message && !message.facts
        ? { new: message.counts.new, open: message.counts.open, resolved: message.counts.resolved }
        : null,
    facts: message?.facts ?? [],
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
