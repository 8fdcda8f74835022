import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThan, Repository } from 'typeorm';
import type { RememberedAlertState, SilenceView } from './alert-evaluator';
import { AlertDeliveryEntity, AlertSilenceEntity, AlertStateEntity, type AlertStateFilter } from './alert-state.entity';

/** What the held-delivery check compares: an alert's latest delivery. */
export type LatestDelivery = Pick<AlertDeliveryEntity, 'action' | 'status' | 'detail'>;

@Injectable()
export class AlertsRepository {
  constructor(
    @InjectRepository(AlertStateEntity) private readonly states: Repository<AlertStateEntity>,
    @InjectRepository(AlertDeliveryEntity) private readonly deliveries: Repository<AlertDeliveryEntity>,
    @InjectRepository(AlertSilenceEntity) private readonly silences: Repository<AlertSilenceEntity>,
  ) {}

  async loadStates(): Promise<Map<string, RememberedAlertState & { entity: AlertStateEntity }>> {
    const rows = await this.states.find();
    return new Map(
      rows.map((row) => [
        row.alertKey,
        {
          entity: row,
          alertKey: row.alertKey,
          status: row.status,
          fingerprint: row.fingerprint,
          channel: row.channel,
          messageTs: row.messageTs,
          firstFiredAt: row.firstFiredAt,
          lastNotifiedAt: row.lastNotifiedAt,
          acknowledgedAt: row.acknowledgedAt,
          escalatedAt: row.escalatedAt,
          snoozedUntil: row.snoozedUntil,
        },
      ]),
    );
  }

  /**
   * Alerts as they stand, firing first, then the latest changed: one row per alert key (rules ×
   * channels, a few hundred at most), so a plain scan.
   */
  listStates(filter: { status: AlertStateFilter; limit: number }): Promise<AlertStateEntity[]> {
    const query = this.states
      .createQueryBuilder('s')
      .orderBy(`CASE s.status WHEN 'firing' THEN 0 ELSE 1 END`)
      .addOrderBy('s.updated_at', 'DESC')
      .addOrderBy('s.alert_key')
      .limit(filter.limit);
    if (filter.status !== 'all') query.where('s.status = :status', { status: filter.status });
    return query.getMany();
  }

  findState(alertKey: string): Promise<AlertStateEntity | null> {
    return this.states.findOneBy({ alertKey });
  }

  async saveState(state: Partial<AlertStateEntity> & { alertKey: string }): Promise<void> {
    await this.states.save(this.states.create(state));
  }

  async recordDelivery(delivery: Omit<AlertDeliveryEntity, 'id' | 'createdAt'>): Promise<void> {
    await this.deliveries.insert(delivery);
  }

  /** Whether a delivery of `alertKey` for `runId` went out (a retried digest job must not post twice). */
  async wasSent(alertKey: string, runId: string): Promise<boolean> {
    return this.deliveries.existsBy({ alertKey, runId, status: 'sent' });
  }

  /** Each alert's latest delivery (one query, index alert_deliveries_alert_idx per key). */
  async latestDeliveries(alertKeys: string[]): Promise<Map<string, LatestDelivery>> {
    if (alertKeys.length === 0) return new Map();
    const rows = await this.deliveries.query<Array<{ alert_key: string } & LatestDelivery>>(
      `SELECT DISTINCT ON (alert_key) alert_key, action, status, detail FROM alert_deliveries
        WHERE alert_key = ANY($1::text[]) ORDER BY alert_key, created_at DESC, id DESC`,
      [alertKeys],
    );
    return new Map(rows.map((r) => [r.alert_key, { action: r.action, status: r.status, detail: r.detail }]));
  }

  /** Deliveries per UTC day and status within [from, to) (index alert_deliveries_created_idx). */
  async deliveryCountsByDay(from: Date, to: Date): Promise<Array<{ day: string; status: string; n: number }>> {
    const rows = await this.deliveries.query<Array<{ day: string; status: string; n: string }>>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, status, count(*) AS n
         FROM alert_deliveries WHERE created_at >= $1 AND created_at < $2
        GROUP BY 1, 2`,
      [from, to],
    );
    return rows.map((r) => ({ day: r.day, status: r.status, n: Number(r.n) }));
  }

  /** The latest deliveries first, older than `before` (an id) and of one alert when given. */
  listDeliveries(filter: { limit: number; before?: string; alertKey?: string }): Promise<AlertDeliveryEntity[]> {
    return this.deliveries.find({
      where: {
        ...(filter.before ? { id: LessThan(filter.before) } : {}),
        ...(filter.alertKey ? { alertKey: filter.alertKey } : {}),
      },
      order: { id: 'DESC' },
      take: filter.limit,
    });
  }

  async activeSilences(now: Date): Promise<SilenceView[]> {
    return this.silences.find({ where: { endsAt: MoreThan(now) } });
  }

  listSilences(includeExpired: boolean, now: Date): Promise<AlertSilenceEntity[]> {
    return this.silences.find({
      where: includeExpired ? {} : { endsAt: MoreThan(now) },
      order: { createdAt: 'DESC' },
      take: 200,
    });
  }

  createSilence(silence: Omit<AlertSilenceEntity, 'id' | 'createdAt'>): Promise<AlertSilenceEntity> {
    return this.silences.save(this.silences.create(silence));
  }

  findSilence(id: string): Promise<AlertSilenceEntity | null> {
    return this.silences.findOneBy({ id });
  }

  async expireSilence(id: string, now: Date): Promise<void> {
    await this.silences.update({ id }, { endsAt: now });
  }
}
