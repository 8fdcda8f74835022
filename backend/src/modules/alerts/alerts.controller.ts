import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Public, Roles } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { AuditService } from '../audit/audit.service';
import { AlertsRepository } from './alerts.repository';
import { CreateSilenceDto } from './alerts.dto';
import { SlackInteractivityService, SlackPayloadError } from './slack-interactivity.service';
import { SlackSignatureError } from './slack/slack-signature';

@ApiTags('alerts')
@Controller('api/v1')
export class AlertsController {
  constructor(
    private readonly repository: AlertsRepository,
    private readonly interactivity: SlackInteractivityService,
    private readonly audit: AuditService,
  ) {}

  @Get('alerts/deliveries')
  @Roles('viewer')
  deliveries() {
    return this.repository.listDeliveries(200);
  }

  @Get('alerts/silences')
  @Roles('viewer')
  silences() {
    return this.repository.listSilences(false, new Date());
  }

  @Post('alerts/silences')
  @Roles('engineer')
  async createSilence(@Body() body: CreateSilenceDto, @CurrentPrincipal() principal: Principal) {
    const now = new Date();
    const endsAt = new Date(body.endsAt);
    if (endsAt <= now) throw new BadRequestException({ message: 'endsAt must be in the future', field: 'endsAt' });
    if (!body.ruleId && !body.domain) {
      throw new BadRequestException({ message: 'a silence needs ruleId or domain', field: 'ruleId' });
    }
    const silence = await this.repository.createSilence({
      ruleId: body.ruleId ?? null,
      domain: body.domain ?? null,
      reason: body.reason,
      createdBy: principal.actor,
      startsAt: now,
      endsAt,
    });
    await this.audit.record({
      action: 'alert.silence.create',
      subjectType: 'alert_silence',
      subjectId: silence.id,
      after: silence,
    });
    return silence;
  }

  @Delete('alerts/silences/:id')
  @Roles('engineer')
  @HttpCode(204)
  async expireSilence(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    const before = await this.repository.findSilence(id);
    if (!before) throw new NotFoundException(`no silence ${id}`);
    await this.repository.expireSilence(id, new Date());
    await this.audit.record({ action: 'alert.silence.expire', subjectType: 'alert_silence', subjectId: id, before });
  }

  /** Slack button clicks: authenticated by Slack's request signature, not by a Driftwatch credential. */
  @Post('slack/interactivity')
  @Public()
  @HttpCode(200)
  async slackInteractivity(
    @Req() req: Request & { rawBody?: Buffer },
    @Headers('x-slack-request-timestamp') timestamp?: string,
    @Headers('x-slack-signature') signature?: string,
  ) {
    try {
      return await this.interactivity.handle({ timestamp, signature }, req.rawBody);
    } catch (error) {
      if (error instanceof SlackSignatureError) throw new UnauthorizedException(error.message);
      if (error instanceof SlackPayloadError)
        throw new BadRequestException({ message: error.message, field: 'payload' });
      throw error;
    }
  }
}
