import {
  BadRequestException,
  Controller,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ChangeEventRejectedError } from '../../connectors/connector';
import { Public } from '../auth/access.decorators';
import { ChangeEventsUnsupportedError, ConnectorEventsService } from './connector-events.service';
import { UnknownConnectorError } from './snapshot-connectors';
import { InvalidSnapshotRequestError } from './snapshots.service';

export class AcceptedChangeEventDto {
  @ApiProperty({ description: 'The sender’s event id (covered by its signature).' }) eventId!: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'The keyed snapshot run of this event (for a duplicate: the first delivery’s run). Null while the event ' +
      'waits in its coalescing window (SNAPSHOT_EVENT_WINDOW_MS): the run starts when the window closes.',
  })
  runId!: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'The snapshot job that takes this event’s keys: with coalescing, the window’s job, shared by every event ' +
      'of the same connector and entity in that window.',
  })
  jobId!: string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the event’s coalescing window closes (its snapshot starts soon after); null without coalescing.',
  })
  windowClosesAt!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'SSE stream of the run’s progress.' })
  progressUrl!: string | null;
  @ApiProperty({ description: 'True when this event id was accepted before: nothing new was enqueued.' })
  duplicate!: boolean;
}

@ApiTags('snapshots')
@Controller('api/v1/connectors')
export class ConnectorEventsController {
  constructor(private readonly events: ConnectorEventsService) {}

  /**
   * Change events pushed by a source system (the WMS webhook): authenticated by the connector's
   * webhook signature over the exact bytes received, not by a Driftwatch credential.
   */
  @Post(':connectorId/events')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Inbound change event (webhook) from a connector that pushes them: snapshots just the changed records.',
    description:
      'Authenticated by the connector’s own signature, not by a Driftwatch credential. WMS: `X-WMS-Signature: ' +
      'sha256=<hex HMAC-SHA256(settings.webhookSecret, raw body)>`, `X-WMS-Timestamp` (unix seconds, ±5 min) and ' +
      '`X-WMS-Event-Id` equal to the body’s `id`. Each event id is taken once: a redelivery answers 200 with the ' +
      'first delivery’s run and enqueues nothing. Events of one connector and entity within SNAPSHOT_EVENT_WINDOW_MS ' +
      '(default 2 s) are coalesced into one keyed snapshot of all their keys, started when the window closes.',
  })
  @ApiHeader({ name: 'X-WMS-Signature', required: false })
  @ApiHeader({ name: 'X-WMS-Timestamp', required: false })
  @ApiHeader({ name: 'X-WMS-Event-Id', required: false })
  @ApiAcceptedResponse({
    type: AcceptedChangeEventDto,
    description: 'A keyed snapshot of the changed records was enqueued (or the records joined its coalescing window).',
  })
  @ApiOkResponse({ type: AcceptedChangeEventDto, description: 'Already accepted (a redelivery); nothing enqueued.' })
  @ApiUnauthorizedResponse({
    description: 'Missing or bad signature, stale timestamp, or an event outside the replay window.',
  })
  @ApiNotFoundResponse({ description: 'No such connector.' })
  @ApiBadRequestResponse({ description: 'The connector takes no change events, or the body is not a valid event.' })
  @ApiPayloadTooLargeResponse({ description: 'Body larger than HTTP_BODY_LIMIT.' })
  async receive(
    @Param('connectorId') connectorId: string,
    @Req() req: Request & { rawBody?: Buffer },
    @Res({ passthrough: true }) res: Response,
  ): Promise<AcceptedChangeEventDto> {
    try {
      const accepted = await this.events.receive(connectorId, req.rawBody, req.headers);
      if (accepted.duplicate) res.status(200);
      return {
        ...accepted,
        windowClosesAt: accepted.windowClosesAt?.toISOString() ?? null,
        progressUrl: accepted.runId ? `/api/v1/snapshots/${accepted.runId}/progress` : null,
      };
    } catch (error) {
      // Public route: no configuration detail (file paths) in the answer.
      if (error instanceof UnknownConnectorError) throw new NotFoundException(`no connector ${connectorId}`);
      if (error instanceof ChangeEventsUnsupportedError) throw new BadRequestException(error.message);
      if (error instanceof ChangeEventRejectedError) {
        if (error.kind === 'signature') throw new UnauthorizedException(error.message);
        throw new BadRequestException({ message: error.message, field: 'body' });
      }
      if (error instanceof InvalidSnapshotRequestError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
