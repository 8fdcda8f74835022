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
  Query,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Public, Roles } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { AlertSilencesService } from './alert-silences.service';
import { AlertStateList } from './alert-state-view';
import {
  AlertDeliveryDayDto,
  AlertDeliveryView,
  AlertSilenceView,
  CreateSilenceDto,
  DELIVERY_DAYS_QUERY,
  DigestOutcomeView,
  DigestView,
  ListAlertStatesQuery,
  ListDeliveriesQuery,
  SlackInteractionAnswer,
} from './alerts.dto';
import { AlertsService } from './alerts.service';
import { DigestNotFoundError, DriftDigestService } from './drift-digest.service';
import { SlackInteractivityService, SlackPayloadError } from './slack-interactivity.service';
import { SlackSignatureError } from './slack/slack-signature';

@ApiTags('alerts')
@Controller('api/v1')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly silenceService: AlertSilencesService,
    private readonly interactivity: SlackInteractivityService,
    private readonly digests: DriftDigestService,
  ) {}

  @Get('alerts')
  @Roles('viewer')
  @ApiOperation({
    summary:
      'Alerts as they stand (firing first): what their last Slack message said, acknowledgement, snooze, escalation. ' +
      'Kept for alerts posted to Slack; slackConfigured says whether any can be.',
  })
  @ApiOkResponse({ type: AlertStateList })
  states(@Query() query: ListAlertStatesQuery): Promise<AlertStateList> {
    return this.alerts.listStates({ status: query.status ?? 'firing', limit: query.limit ?? 100 });
  }

  @Get('alerts/deliveries')
  @Roles('viewer')
  @ApiOperation({ summary: 'Alert deliveries, the latest first; `before` (the last id seen) pages back.' })
  @ApiOkResponse({ type: AlertDeliveryView, isArray: true })
  deliveries(@Query() query: ListDeliveriesQuery): Promise<AlertDeliveryView[]> {
    return this.alerts.listDeliveries({ limit: query.limit ?? 200, before: query.before, alertKey: query.alertKey });
  }

  @Get('alerts/deliveries/daily')
  @Roles('viewer')
  @ApiOperation({ summary: 'Alert deliveries per day (UTC) by status over a range, every day of it.' })
  @DELIVERY_DAYS_QUERY.apiQueries()
  @ApiOkResponse({ type: AlertDeliveryDayDto, isArray: true })
  deliveriesPerDay(@Query() query: Record<string, unknown>): Promise<AlertDeliveryDayDto[]> {
    const { from, to } = DELIVERY_DAYS_QUERY.parse(query);
    return this.alerts.deliveriesPerDay(from, to);
  }

  @Get('alerts/silences')
  @Roles('viewer')
  @ApiOperation({ summary: 'Silences in force (not yet ended), the latest created first.' })
  @ApiOkResponse({ type: AlertSilenceView, isArray: true })
  silences(): Promise<AlertSilenceView[]> {
    return this.silenceService.list();
  }

  @Post('alerts/silences')
  @Roles('engineer')
  @ApiCreatedResponse({ type: AlertSilenceView })
  @ApiNotFoundResponse({ description: 'ruleId names no rule of the loaded rule pack; nothing was stored.' })
  createSilence(@Body() body: CreateSilenceDto, @CurrentPrincipal() principal: Principal): Promise<AlertSilenceView> {
    return this.silenceService.create(
      { ruleId: body.ruleId, domain: body.domain, reason: body.reason, endsAt: new Date(body.endsAt) },
      principal.actor,
    );
  }

  @Delete('alerts/silences/:id')
  @Roles('engineer')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The silence ends now.' })
  @ApiNotFoundResponse({ description: 'No silence has this id.' })
  expireSilence(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.silenceService.expire(id);
  }

  @Get('alerts/digests')
  @Roles('viewer')
  @ApiOperation({ summary: 'The scheduled digests of the alert rules file (channel, cron, days covered).' })
  @ApiOkResponse({ type: DigestView, isArray: true })
  digestList(): DigestView[] {
    return this.digests.list();
  }

  @Post('alerts/digests/:id/send')
  @Roles('engineer')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sends a digest now, covering its days up to and including today so far; recorded as a delivery. ' +
      'A Slack failure is answered in the outcome (status failed), not as an error.',
  })
  @ApiOkResponse({ type: DigestOutcomeView })
  @ApiNotFoundResponse({ description: 'The alert rules file has no digest with this id.' })
  async sendDigest(@Param('id') id: string): Promise<DigestOutcomeView> {
    try {
      return await this.digests.sendNow(id);
    } catch (error) {
      if (error instanceof DigestNotFoundError) throw new NotFoundException({ message: error.message, field: 'id' });
      throw error;
    }
  }

  /** Slack button clicks: authenticated by Slack's request signature, not by a Driftwatch credential. */
  @Post('slack/interactivity')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: SlackInteractionAnswer })
  @ApiUnauthorizedResponse({ description: 'The Slack request signature is missing, stale or wrong.' })
  async slackInteractivity(
    @Req() req: Request & { rawBody?: Buffer },
    @Headers('x-slack-request-timestamp') timestamp?: string,
    @Headers('x-slack-signature') signature?: string,
  ): Promise<SlackInteractionAnswer> {
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
