import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RuleCatalogService, UnknownRuleError } from '../reconciliation/rule-catalog.service';
import type { AlertSilenceEntity } from './alert-state.entity';
import type { AlertSilenceView } from './alerts.dto';
import { AlertsRepository } from './alerts.repository';

export interface SilenceRequest {
  ruleId?: string;
  domain?: string;
  reason: string;
  endsAt: Date;
}

/**
 * Silences of reconciliation alerts. A silence is refused unless it can match something: an alert
 * is silenced only when its rule id and domain equal the silence's, so a silence naming a rule the
 * pack lacks, or a rule outside the named domain, would look in force while silencing nothing.
 */
@Injectable()
export class AlertSilencesService {
  constructor(
    private readonly repository: AlertsRepository,
    private readonly catalog: RuleCatalogService,
    private readonly audit: AuditService,
  ) {}

  async list(now = new Date()): Promise<AlertSilenceView[]> {
    return (await this.repository.listSilences(false, now)).map(toSilenceView);
  }

  async create(request: SilenceRequest, actor: string, now = new Date()): Promise<AlertSilenceView> {
    if (request.endsAt <= now) {
      throw new BadRequestException({ message: 'endsAt must be in the future', field: 'endsAt' });
    }
    if (!request.ruleId && !request.domain) {
      throw new BadRequestException({ message: 'a silence needs ruleId or domain', field: 'ruleId' });
    }
    if (request.ruleId) this.assertMatchable(request.ruleId, request.domain);
    const silence = await this.repository.createSilence({
      ruleId: request.ruleId ?? null,
      domain: request.domain ?? null,
      reason: request.reason,
      createdBy: actor,
      startsAt: now,
      endsAt: request.endsAt,
    });
    await this.audit.record({
      action: 'alert.silence.create',
      subjectType: 'alert_silence',
      subjectId: silence.id,
      after: silence,
    });
    return toSilenceView(silence);
  }

  async expire(id: string, now = new Date()): Promise<void> {
    const before = await this.repository.findSilence(id);
    if (!before) throw new NotFoundException({ message: `no silence ${id}`, field: 'id' });
    await this.repository.expireSilence(id, now);
    await this.audit.record({ action: 'alert.silence.expire', subjectType: 'alert_silence', subjectId: id, before });
  }

  private assertMatchable(ruleId: string, domain: string | undefined): void {
    // Read from disk, not the read endpoints' cached pack: a rule added a moment ago can be silenced.
    const set = this.catalog.load();
    let ruleDomain: string;
    try {
      ruleDomain = this.catalog.find(set, ruleId).domain;
    } catch (error) {
      if (error instanceof UnknownRuleError) throw new NotFoundException({ message: error.message, field: 'ruleId' });
      throw error;
    }
    if (domain !== undefined && domain !== ruleDomain) {
      throw new BadRequestException({
        message: `rule ${ruleId} is in domain ${ruleDomain}, not ${domain}: the silence would match nothing`,
        field: 'domain',
      });
    }
  }
}

const toSilenceView = (silence: AlertSilenceEntity): AlertSilenceView => ({
  id: silence.id,
  ruleId: silence.ruleId,
  domain: silence.domain,
  reason: silence.reason,
  createdBy: silence.createdBy,
  startsAt: silence.startsAt.toISOString(),
  endsAt: silence.endsAt.toISOString(),
  createdAt: silence.createdAt.toISOString(),
});
