import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  MessageEvent,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Sse,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { map, Observable } from 'rxjs';
import { Roles } from '../auth/access.decorators';
import { UnknownConnectorError } from './snapshot-connectors';
import {
  CreateSnapshotDto,
  EnqueuedSnapshotDto,
  ListSnapshotsQuery,
  RunningProgress,
  RunningProgressQuery,
  SnapshotProgress,
  SnapshotRunView,
} from './snapshot.dto';
import { SnapshotRunExistsGuard } from './snapshot-run-exists.guard';
import { InvalidSnapshotRequestError, SnapshotsService } from './snapshots.service';

/** SSE clients wait this long before reconnecting after a stream ends. */
const RECONNECT_MS = 5000;

@ApiTags('snapshots')
@Controller('api/v1/snapshots')
export class SnapshotsController {
  constructor(private readonly snapshots: SnapshotsService) {}

  @Post()
  @HttpCode(202)
  @Roles('engineer')
  @ApiAcceptedResponse({ type: EnqueuedSnapshotDto })
  @ApiNotFoundResponse({ description: 'No connector with this connectorId is configured; nothing was queued.' })
  async create(@Body() body: CreateSnapshotDto): Promise<EnqueuedSnapshotDto> {
    try {
      const { runId, jobId } = await this.snapshots.request({ ...body, trigger: 'api' });
      return { runId, jobId, progressUrl: `/api/v1/snapshots/${runId}/progress` };
    } catch (error) {
      if (error instanceof UnknownConnectorError) throw new NotFoundException(error.message);
      if (error instanceof InvalidSnapshotRequestError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Snapshot runs, most recently queued first.' })
  @ApiOkResponse({ type: SnapshotRunView, isArray: true })
  list(@Query() query: ListSnapshotsQuery): Promise<SnapshotRunView[]> {
    return this.snapshots.list(
      { connectorId: query.connectorId, entity: query.entity, status: query.status },
      query.limit ?? 50,
    );
  }

  // Declared before ':id' so that Express matches it first.
  @Sse('progress')
  @Roles('viewer')
  @ApiOperation({
    summary: 'Server-sent events: progress of every queued and running snapshot (live progress bars).',
    description:
      'Each `progress` event carries `{ runs: SnapshotProgress[], active }` (rows so far, total when the source ' +
      'knows it, percent, rows/s, ETA); a run that ends is sent once more with its final status. The stream ends ' +
      'after an event with `active: 0` (at once when nothing runs) and after 10 minutes at the latest; reconnect ' +
      'after `retry` ms. Authenticate like any route: a fetch-based SSE client (e.g. @microsoft/fetch-event-source) ' +
      'sends `X-API-Key: dwk_…` or `Authorization: Bearer …`; the browser EventSource cannot set headers.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ type: RunningProgress, description: 'The data of each `progress` event.' })
  running(@Query() query: RunningProgressQuery): Observable<MessageEvent> {
    return this.snapshots
      .running$(query.connectorId)
      .pipe(map((data) => ({ type: 'progress', data, retry: RECONNECT_MS })));
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOkResponse({ type: SnapshotRunView, description: 'The run, with its progress figures.' })
  @ApiNotFoundResponse({ description: 'No snapshot run with this id.' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<SnapshotRunView> {
    return this.snapshots.view(id);
  }

  /** Server-sent events: one `progress` event per change, the last one with the final status. */
  @Sse(':id/progress')
  @Roles('viewer')
  @UseGuards(SnapshotRunExistsGuard)
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ type: SnapshotProgress, description: 'The data of each `progress` event.' })
  @ApiNotFoundResponse({ description: 'No snapshot run with this id.' })
  progress(@Param('id', new ParseUUIDPipe()) id: string): Observable<MessageEvent> {
    return this.snapshots.progress$(id).pipe(map((data) => ({ type: 'progress', data })));
  }
}
