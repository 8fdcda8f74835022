import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { FixPolicy, FixupFieldChange, FixupState } from './fixup-task';

/** `fix_tasks` (migration 0006). Writes go through FixupsRepository, whose transitions are compare-and-set. */
@Entity({ name: 'fix_tasks' })
export class FixupTaskEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'finding_id', type: 'text' }) findingId!: string;
  @Column({ name: 'rule_id', type: 'text' }) ruleId!: string;
  @Column({ name: 'rule_kind', type: 'text' }) ruleKind!: string;
  @Column({ name: 'finding_kind', type: 'text' }) findingKind!: string;
  @Column({ type: 'text' }) entity!: string;
  @Column({ name: 'match_key', type: 'text' }) matchKey!: string;
  @Column({ name: 'target_system', type: 'text' }) targetSystem!: string;
  @Column({ name: 'source_key', type: 'text' }) sourceKey!: string;
  @Column({ type: 'jsonb' }) changes!: FixupFieldChange[];
  @Column({ type: 'text' }) policy!: FixPolicy;
  @Column({ type: 'text' }) state!: FixupState;
  @Column({ name: 'state_reason', type: 'text', nullable: true }) stateReason!: string | null;
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'base_key', type: 'text' }) baseKey!: string;
  @Column({ name: 'idempotency_key', type: 'text' }) idempotencyKey!: string;
  @Column({ name: 'job_generation', type: 'integer' }) jobGeneration!: number;
  @Column({ name: 'claimed_by', type: 'text', nullable: true }) claimedBy!: string | null;
  @Column({ name: 'claim_expires_at', type: 'timestamptz', nullable: true }) claimExpiresAt!: Date | null;
  @Column({ name: 'auto_approved_at', type: 'timestamptz', nullable: true }) autoApprovedAt!: Date | null;
  @Column({ name: 'created_run_id', type: 'uuid' }) createdRunId!: string;
  @Column({ name: 'resolved_run_id', type: 'uuid', nullable: true }) resolvedRunId!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true }) appliedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}

/** `fix_task_events`: the audit trail of every transition (who or what, when, why, from → to). */
@Entity({ name: 'fix_task_events' })
export class FixupTaskEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'task_id', type: 'uuid' }) taskId!: string;
  @Column({ name: 'from_state', type: 'text', nullable: true }) fromState!: FixupState | null;
  @Column({ name: 'to_state', type: 'text' }) toState!: FixupState;
  @Column({ type: 'text' }) actor!: string;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ type: 'jsonb', nullable: true }) details!: unknown;
  @Column({ type: 'timestamptz' }) at!: Date;
}
