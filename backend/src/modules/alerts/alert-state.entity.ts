import type { AlertAction } from './alert-evaluator';
import type { AlertMessageInput } from './slack/slack-message.builder';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
/** The alert list's filter: a status, or every alert. */
export type AlertStateFilter = AlertStatus | 'all';

export const ALERT_DELIVERY_STATUSES = ['sent', 'held', 'failed'] as const;
export type AlertDeliveryStatus = (typeof ALERT_DELIVERY_STATUSES)[number];

@Entity('alert_states')
export class AlertStateEntity {
  @PrimaryColumn({ name: 'alert_key', type: 'text' }) alertKey!: string;
  @Column({ name: 'alert_rule_id', type: 'text' }) alertRuleId!: string;
  @Column({ name: 'rule_id', type: 'text' }) ruleId!: string;
  @Column({ type: 'text' }) channel!: string;
  @Column({ type: 'text' }) status!: AlertStatus;
  @Column({ type: 'text' }) fingerprint!: string;
  @Column({ name: 'message_channel', type: 'text', nullable: true }) messageChannel!: string | null;
  @Column({ name: 'message_ts', type: 'text', nullable: true }) messageTs!: string | null;
  /** The message's link in Slack (chat.getPermalink), when Slack gave one. */
  @Column({ name: 'message_url', type: 'text', nullable: true }) messageUrl!: string | null;
  @Column({ name: 'first_fired_at', type: 'timestamptz' }) firstFiredAt!: Date;
  @Column({ name: 'last_notified_at', type: 'timestamptz', nullable: true }) lastNotifiedAt!: Date | null;
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt!: Date | null;
  @Column({ name: 'acknowledged_by', type: 'text', nullable: true }) acknowledgedBy!: string | null;
  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true }) acknowledgedAt!: Date | null;
  @Column({ name: 'escalated_at', type: 'timestamptz', nullable: true }) escalatedAt!: Date | null;
  @Column({ name: 'snoozed_until', type: 'timestamptz', nullable: true }) snoozedUntil!: Date | null;
  /** The last message's content, so a button click can redraw it (acknowledged, snoozed). */
  @Column({ name: 'last_message', type: 'jsonb', nullable: true }) lastMessage!: StoredAlertMessage | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

export type StoredAlertMessage = Omit<AlertMessageInput, 'updatedAt' | 'snoozedUntil'> & { updatedAt: string };

@Entity('alert_deliveries')
export class AlertDeliveryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'alert_key', type: 'text' }) alertKey!: string;
  @Column({ name: 'run_id', type: 'text', nullable: true }) runId!: string | null;
  /** An alert decision's action, or `digest` for a scheduled digest (alert key `digest:<id>`). */
  @Column({ type: 'text' }) action!: AlertAction | 'digest';
  @Column({ type: 'text' }) channel!: string;
  @Column({ type: 'text' }) status!: AlertDeliveryStatus;
  @Column({ type: 'text', nullable: true }) detail!: string | null;
  @Column({ name: 'message_ts', type: 'text', nullable: true }) messageTs!: string | null;
  @Column({ type: 'integer', default: 1 }) attempts!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity('alert_silences')
export class AlertSilenceEntity {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' }) id!: string;
  @Column({ name: 'rule_id', type: 'text', nullable: true }) ruleId!: string | null;
  @Column({ type: 'text', nullable: true }) domain!: string | null;
  @Column({ type: 'text' }) reason!: string;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'starts_at', type: 'timestamptz' }) startsAt!: Date;
  @Column({ name: 'ends_at', type: 'timestamptz' }) endsAt!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
