import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import { OVERVIEW_QUERY, TRENDS_QUERY } from './dashboard-query';
import type { TrendDimension } from './dashboard.repository';
import { OverviewDto, TrendsDto } from './dashboard.dto';
import { DashboardService } from './dashboard.service';

@ApiTags('dashboard')
@Controller('api/v1/dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get('overview')
  @Roles('viewer')
  @ApiOperation({
    summary:
      'Overview for ops leaders: open findings now (by severity, drift rate per 1,000 records by domain and system, duplicates, top rules), flow over the range (opened, resolved, mean time to resolve, auto-heal rate) and SLA per route.',
  })
  @OVERVIEW_QUERY.apiQueries()
  @ApiOkResponse({ type: OverviewDto })
  async overview(@Query() query: Record<string, unknown>): Promise<OverviewDto> {
    const q = OVERVIEW_QUERY.parse(query);
    return this.dashboard.overview({ from: q.from, to: q.to, systems: q.system, top: q.top });
  }

  @Get('trends')
  @Roles('viewer')
  @ApiOperation({
    summary:
      'Daily or weekly series of findings opened, reopened, resolved and open at the end of each bucket, per domain, severity or rule.',
  })
  @TRENDS_QUERY.apiQueries()
  @ApiOkResponse({ type: TrendsDto })
  async trends(@Query() query: Record<string, unknown>): Promise<TrendsDto> {
    const q = TRENDS_QUERY.parse(query);
    return this.dashboard.trends({
      from: q.from,
      to: q.to,
      interval: q.interval === 'week' ? 'week' : 'day',
      groupBy: (q.groupBy as TrendDimension | undefined) ?? 'severity',
      systems: q.system,
      domains: q.domain,
      severities: q.severity,
      ruleIds: q.ruleId,
    });
  }
}
