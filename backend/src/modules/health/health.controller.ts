import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DependencyProbeService, DependencyStatus } from './dependency-probe.service';

interface ReadinessBody {
  status: 'ok' | 'unavailable';
  checks: DependencyStatus[];
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly probes: DependencyProbeService) {}

  @Get('live')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ description: 'The process is running.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'ClickHouse, Postgres and Redis all answer.' })
  @ApiServiceUnavailableResponse({ description: 'At least one store does not answer; `checks` says which.' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessBody> {
    const checks = await this.probes.probeAll();
    const up = checks.every((check) => check.up);
    res.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: up ? 'ok' : 'unavailable', checks };
  }
}
