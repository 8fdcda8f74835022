import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import { SLA_QUERY } from './sla-query';
import { SlaReportDto } from './sla.dto';
import { SlaService } from './sla.service';

@ApiTags('sla')
@Controller('api/v1/sla')
export class SlaController {
  constructor(private readonly sla: SlaService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({
    summary:
      'Propagation SLA per route (source → target system, entity): adherence, p50/p95 latency, breaches over the range; and snapshot freshness per system.',
  })
  @SLA_QUERY.apiQueries()
  @ApiOkResponse({ type: SlaReportDto })
  async report(@Query() query: Record<string, unknown>): Promise<SlaReportDto> {
    const parsed = SLA_QUERY.parse(query);
    return this.sla.report({ from: parsed.from, to: parsed.to, systems: parsed.system });
  }
}
