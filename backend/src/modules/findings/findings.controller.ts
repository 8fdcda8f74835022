import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { InvalidPathParameterError } from '../../http/list-query';
import { FINDING_ID } from './finding';
import { findingCsvLine, FINDINGS_CSV_HEADER } from './findings-csv';
import {
  AssignFindingsDto,
  AssignFindingsOutcome,
  FindingDetail,
  FindingsPage,
  SuppressFindingsDto,
  SuppressFindingsOutcome,
  UnsuppressFindingsDto,
  UnsuppressFindingsOutcome,
} from './findings.dto';
import { FINDINGS_LIST_QUERY } from './findings-query';
import { EXPORT_MAX_ROWS, FindingsService } from './findings.service';

@ApiTags('findings')
@Controller('api/v1/findings')
export class FindingsController {
  constructor(private readonly findings: FindingsService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Findings (current state), most recently seen first by default, cursor-paginated.' })
  @FINDINGS_LIST_QUERY.apiQueries()
  @ApiOkResponse({ type: FindingsPage })
  async list(@Query() query: Record<string, unknown>, @CurrentPrincipal() caller: Principal): Promise<FindingsPage> {
    return this.findings.list(FINDINGS_LIST_QUERY.parse(query), caller);
  }

  @Get('export')
  @Roles('viewer')
  @ApiOperation({ summary: `Findings as CSV (same filters and sort; at most ${EXPORT_MAX_ROWS} rows).` })
  @FINDINGS_LIST_QUERY.apiQueries()
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV with a header row.', content: { 'text/csv': { schema: { type: 'string' } } } })
  async export(
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() caller: Principal,
    @Res() res: Response,
  ): Promise<void> {
    const parsed = FINDINGS_LIST_QUERY.parse(query);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="driftwatch-findings.csv"');
    res.write(FINDINGS_CSV_HEADER);
    for await (const row of this.findings.exportRows(parsed, caller)) {
      if (!res.write(findingCsvLine(row))) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }

  @Post('assign')
  @Roles('engineer')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Assign many findings to a person (`me`: the caller) or unassign them (null); all or nothing.',
  })
  @ApiOkResponse({ type: AssignFindingsOutcome })
  @ApiNotFoundResponse({ description: 'An id is not a known finding; nothing was assigned.' })
  assign(@Body() body: AssignFindingsDto, @CurrentPrincipal() caller: Principal): Promise<AssignFindingsOutcome> {
    return this.findings.assign(body.ids, body.assignee, caller);
  }

  @Post('suppress')
  @Roles('engineer')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Suppress many findings: accept their difference as a known exception, with a reason and an optional end; ' +
      'already suppressed ones take the new reason and end; all or nothing.',
  })
  @ApiOkResponse({ type: SuppressFindingsOutcome })
  @ApiNotFoundResponse({ description: 'An id is not a known finding; nothing was suppressed.' })
  @ApiConflictResponse({
    description: 'A finding is resolved or retired (nothing to suppress); nothing was suppressed.',
  })
  suppress(@Body() body: SuppressFindingsDto, @CurrentPrincipal() caller: Principal): Promise<SuppressFindingsOutcome> {
    return this.findings.suppress(body.ids, body.reason, body.until, caller);
  }

  @Post('unsuppress')
  @Roles('engineer')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Lift the suppression of many findings: they are open again (a run that no longer sees one resolves it); all or nothing.',
  })
  @ApiOkResponse({ type: UnsuppressFindingsOutcome })
  @ApiNotFoundResponse({ description: 'An id is not a known finding; nothing was unsuppressed.' })
  @ApiConflictResponse({ description: 'A finding is not suppressed; nothing was unsuppressed.' })
  unsuppress(
    @Body() body: UnsuppressFindingsDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<UnsuppressFindingsOutcome> {
    return this.findings.unsuppress(body.ids, caller);
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOkResponse({
    type: FindingDetail,
    description: "The finding, with the owner's value and every system's value side by side.",
  })
  @ApiNotFoundResponse({ description: 'No finding with this id.' })
  async detail(@Param('id') id: string): Promise<FindingDetail> {
    if (!FINDING_ID.test(id)) throw new InvalidPathParameterError('id', 'must be a finding id (32 hex characters)');
    return this.findings.detail(id);
  }
}
