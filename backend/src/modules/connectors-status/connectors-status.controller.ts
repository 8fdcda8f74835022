import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { InvalidPathParameterError } from '../../http/list-query';
import { Roles } from '../auth/access.decorators';
import { ConnectorStatusDto, ConnectorStatusListDto } from './connectors-status.dto';
import { ConnectorsStatusService } from './connectors-status.service';

const CONNECTOR_ID = /^[a-z][a-z0-9_-]{0,39}$/;

@ApiTags('connectors')
@Controller('api/v1/connectors')
export class ConnectorsStatusController {
  constructor(private readonly status: ConnectorsStatusService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({
    summary:
      'Every configured connector: health (cached briefly), last complete snapshot per entity, freshness against its schedule, throughput and running snapshots.',
  })
  @ApiOkResponse({ type: ConnectorStatusListDto })
  async list(): Promise<ConnectorStatusListDto> {
    return { items: await this.status.list() };
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'One connector’s status.' })
  @ApiParam({ name: 'id', example: 'crm' })
  @ApiOkResponse({ type: ConnectorStatusDto })
  @ApiNotFoundResponse({ description: 'No connector with this id is configured.' })
  async one(@Param('id') id: string): Promise<ConnectorStatusDto> {
    if (!CONNECTOR_ID.test(id)) throw new InvalidPathParameterError('id', `must match ${String(CONNECTOR_ID)}`);
    return this.status.one(id);
  }
}
