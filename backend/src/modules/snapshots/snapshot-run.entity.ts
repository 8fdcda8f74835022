import { Column, Entity, PrimaryColumn } from 'typeorm';

export const RUN_STATUSES = ['queued', 'running', 'complete', 'partial', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['complete', 'partial', 'failed'];

// Postgres bigint comes back as a string; counts here stay far below 2^53.
const bigintNumber = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** One snapshot run (snapshot_id in ClickHouse = id). Only `complete` runs feed reconciliation. */
@Entity({ name: 'snapshot_runs' })
export class SnapshotRunEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'connector_id', type: 'text' }) connectorId!: string;
  @Column({ type: 'text' }) entity!: string;
  @Column({ type: 'text' }) mode!: 'full' | 'incremental';
  @Column({ type: 'text' }) trigger!: string;
  @Column({ type: 'text' }) status!: RunStatus;
  @Column({ type: 'jsonb', nullable: true }) keys!: string[] | null;
  @Column({ name: 'job_id', type: 'text', nullable: true }) jobId!: string | null;
  @Column({ type: 'integer', default: 1 }) attempt!: number;
  @Column({ name: 'replaces_run_id', type: 'uuid', nullable: true }) replacesRunId!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) since!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) watermark!: Date | null;
  @Column({ type: 'text', nullable: true }) cursor!: string | null;
  @Column({ name: 'rows_read', type: 'bigint', default: 0, transformer: bigintNumber }) rowsRead!: number;
  @Column({ name: 'rows_written', type: 'bigint', default: 0, transformer: bigintNumber }) rowsWritten!: number;
  @Column({ type: 'bigint', default: 0, transformer: bigintNumber }) rejects!: number;
  @Column({ name: 'deleted_keys', type: 'bigint', default: 0, transformer: bigintNumber }) deletedKeys!: number;
  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber }) total!: number | null;
  @Column({ name: 'rows_per_s', type: 'double precision', nullable: true }) rowsPerS!: number | null;
  @Column({ name: 'duration_ms', type: 'bigint', nullable: true, transformer: bigintNumber }) durationMs!:
    number | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'queued_at', type: 'timestamptz' }) queuedAt!: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'heartbeat_at', type: 'timestamptz', nullable: true }) heartbeatAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ name: 'purged_at', type: 'timestamptz', nullable: true }) purgedAt!: Date | null;
}
