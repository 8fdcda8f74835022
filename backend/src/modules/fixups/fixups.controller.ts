import { applyDecorators, Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import {
  BulkOutcomeView,
  FixupBulkDismissDto,
  FixupDetail,
  FixupDecisionDto,
  FixupDismissDto,
  FixupReasonDto,
  FixupSelectionDto,
  FixupTaskPage,
} from './fixups.dto';
import { FIXUPS_LIST_QUERY } from './fixups-query';
import { FixupsService } from './fixups.service';

const TaskNotFound = () => ApiNotFoundResponse({ description: 'No fix-up task with this id.' });

/** The errors of an action on one task (FixupsService.one). */
const TaskActionErrors = () =>
  applyDecorators(
    TaskNotFound(),
    ApiConflictResponse({
      description:
        "The action does not apply to the task's state (`field: state`), it has no field changes to approve " +
        '(`field: changes`), or its finding is suppressed (`field: finding`).',
    }),
  );

@ApiTags('fixups')
@Controller('api/v1/fixups')
export class FixupsController {
  constructor(private readonly fixups: FixupsService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Fix-up tasks, newest first by default, cursor-paginated.' })
  @FIXUPS_LIST_QUERY.apiQueries()
  @ApiOkResponse({ type: FixupTaskPage })
  list(@Query() query: Record<string, unknown>): Promise<FixupTaskPage> {
    return this.fixups.list(FIXUPS_LIST_QUERY.parse(query));
  }

  @Get('review')
  @Roles('viewer')
  @ApiOperation({ summary: 'Fix-up tasks waiting for a person (needs_review, conflict).' })
  @FIXUPS_LIST_QUERY.apiQueries()
  @ApiOkResponse({ type: FixupTaskPage })
  review(@Query() query: Record<string, unknown>): Promise<FixupTaskPage> {
    return this.fixups.listNeedingReview(FIXUPS_LIST_QUERY.parse(query));
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'One fix-up task with every transition (who or what, when, why, from → to).' })
  @ApiOkResponse({ type: FixupDetail })
  @TaskNotFound()
  detail(@Param('id', new ParseUUIDPipe()) id: string): Promise<FixupDetail> {
    return this.fixups.detail(id);
  }

  @Post('approve')
  @Roles('steward')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve many tasks (proposed or needs_review); approved tasks are queued.' })
  @ApiOkResponse({ type: BulkOutcomeView })
  approveMany(@Body() body: FixupSelectionDto, @CurrentPrincipal() principal: Principal): Promise<BulkOutcomeView> {
    return this.fixups.approve(body, principal.actor, body.reason);
  }

  @Post('replay')
  @Roles('engineer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replay many dead-lettered tasks.' })
  @ApiOkResponse({ type: BulkOutcomeView })
  replayMany(@Body() body: FixupSelectionDto, @CurrentPrincipal() principal: Principal): Promise<BulkOutcomeView> {
    return this.fixups.replay(body, principal.actor, body.reason);
  }

  @Post('dismiss')
  @Roles('steward')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dismiss many tasks that are not done.' })
  @ApiOkResponse({ type: BulkOutcomeView })
  dismissMany(@Body() body: FixupBulkDismissDto, @CurrentPrincipal() principal: Principal): Promise<BulkOutcomeView> {
    return this.fixups.dismiss(body, principal.actor, body.reason);
  }

  @Post(':id/approve')
  @Roles('steward')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkOutcomeView })
  @TaskActionErrors()
  approve(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: FixupReasonDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkOutcomeView> {
    return this.fixups.one(id, 'approve', principal.actor, body.reason);
  }

  @Post(':id/retry')
  @Roles('engineer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry a failed or conflicting task (the write stays conditional on the old value).' })
  @ApiOkResponse({ type: BulkOutcomeView })
  @TaskActionErrors()
  retry(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: FixupReasonDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkOutcomeView> {
    return this.fixups.one(id, 'retry', principal.actor, body.reason);
  }

  @Post(':id/replay')
  @Roles('engineer')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkOutcomeView })
  @TaskActionErrors()
  replay(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: FixupReasonDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkOutcomeView> {
    return this.fixups.one(id, 'replay', principal.actor, body.reason);
  }

  @Post(':id/dismiss')
  @Roles('steward')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkOutcomeView })
  @TaskActionErrors()
  dismiss(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: FixupDismissDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkOutcomeView> {
    return this.fixups.one(id, 'dismiss', principal.actor, body.reason);
  }

  @Post(':id/decision')
  @Roles('steward')
  @HttpCode(200)
  @ApiOperation({ summary: "A steward's decision on a task waiting for review: approve, retry or dismiss." })
  @ApiOkResponse({ type: BulkOutcomeView })
  @TaskActionErrors()
  decide(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: FixupDecisionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkOutcomeView> {
    return this.fixups.decide(id, body.decision, principal.actor, body.reason);
  }
}
