import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/access.decorators';
import { AuditPage } from './audit-entry';
import { auditCsvLine, AUDIT_CSV_HEADER } from './audit-csv';
import { AUDIT_LIST_QUERY } from './audit-query';
import { AuditService, EXPORT_MAX_ROWS } from './audit.service';

@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('steward')
  @ApiOperation({ summary: 'Audit log entries, newest first by default, with cursor pagination.' })
  @AUDIT_LIST_QUERY.apiQueries()
  @ApiOkResponse({ type: AuditPage })
  async list(@Query() query: Record<string, unknown>): Promise<AuditPage> {
    return this.audit.list(AUDIT_LIST_QUERY.parse(query));
  }

  @Get('export')
  @Roles('steward')
  @ApiOperation({ summary: `Audit log as CSV (same filters and sort; at most ${EXPORT_MAX_ROWS} rows).` })
  @AUDIT_LIST_QUERY.apiQueries()
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV with a header row.', content: { 'text/csv': { schema: { type: 'string' } } } })
  async export(@Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const parsed = AUDIT_LIST_QUERY.parse(query);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="driftwatch-audit.csv"');
    res.write(AUDIT_CSV_HEADER);
    for await (const row of this.audit.exportRows(parsed)) {
      if (!res.write(auditCsvLine(row))) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }
}
