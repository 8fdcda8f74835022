import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public, Roles } from '../../../../backend/src/modules/auth/access.decorators';
import { AuditService } from '../../../../backend/src/modules/audit/audit.service';

export const PROBE_DB_PASSWORD = 'Pr0be-Db-Passw0rd-91';

/** Test-only routes that exercise the cross-cutting behaviour the way future feature routes will. */
@Controller('test-probe')
export class ProbeController {
  constructor(private readonly audit: AuditService) {}

  @Post('things/:id')
  @Roles('engineer')
  change(@Param('id') id: string, @Body() body: Record<string, unknown>): { id: string; changed: boolean } {
    return { id, changed: Object.keys(body).length > 0 };
  }

  @Post('explicit/:id')
  @Roles('steward')
  async approve(@Param('id') id: string): Promise<{ approved: string }> {
    await this.audit.record({
      action: 'probe.approve',
      subjectType: 'probe',
      subjectId: id,
      before: { status: 'open' },
      after: { status: 'approved' },
    });
    return { approved: id };
  }

  // Deliberately declares no access: the guard must refuse it and the inventory must flag it.
  @Get('undeclared')
  undeclared(): { secret: string } {
    return { secret: 'should never be served' };
  }

  @Get('boom')
  @Public()
  boom(): never {
    throw new Error(`query failed on postgres://postgres:${PROBE_DB_PASSWORD}@127.0.0.1:15432/driftwatch`);
  }

  // Like a CSV export whose database read fails after the first rows went out.
  @Get('export-then-fail')
  @Public()
  async exportThenFail(@Res() res: Response): Promise<never> {
    res.status(200).setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.write('id,value\n1,a\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    throw new Error('the second page failed');
  }
}
