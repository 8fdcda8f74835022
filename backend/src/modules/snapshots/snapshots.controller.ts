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
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { map, Observable } from 'rxjs';
import { Roles } from '../auth/access.decorators';
import { UnknownConnectorError } from './snapshot-connectors';
import { CreateSnapshotDto, EnqueuedSnapshotDto, ListSnapshotsQuery } from './snapshot.dto';
import { progressOf } from './snapshot-progress';
import { InvalidSnapshotRequestError, SnapshotsService } from './snapshots.service';

@ApiTags('snapshots')
@Controller('api/v1/snapshots')
export class SnapshotsController {
  constructor(private readonly snapshots: SnapshotsService) {}

  @Post()
  @HttpCode(202)
  @Roles('engineer')
  @ApiAcceptedResponse({ type: EnqueuedSnapshotDto })
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
  async list(@Query() query: ListSnapshotsQuery) {
    const runs = await this.snapshots.list(
      { connectorId: query.connectorId, entity: query.entity, status: query.status },
      query.limit ?? 50,
    );
    return runs.map((run) => ({ ...run, progress: progressOf(run) }));
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOkResponse({ description: 'The run, with its progress figures.' })
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const run = await this.snapshots.get(id);
    return { ...run, progress: progressOf(run) };
  }

  /** Server-sent events: one `progress` event per change, the last one with the final status. */
  @Sse(':id/progress')
  @Roles('viewer')
  async progress(@Param('id', new ParseUUIDPipe()) id: string): Promise<Observable<MessageEvent>> {
    await this.snapshots.get(id);
    return this.snapshots.progress$(id).pipe(map((data) => ({ type: 'progress', data })));
  }
}
