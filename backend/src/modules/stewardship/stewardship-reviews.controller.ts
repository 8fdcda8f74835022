import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { BulkOutcomeView, FixupDecisionDto } from '../fixups/fixups.dto';
import { FIXUP_REVIEWS_LIST_QUERY } from '../fixups/fixups-query';
import { FixupReviewsService } from './fixup-reviews.service';
import { ReviewItemPage } from './stewardship.dto';

/** The stewardship queue's view of fix-up tasks waiting for a person (validation failures, conflicts). */
@ApiTags('stewardship')
@Controller('api/v1/stewardship/reviews')
export class StewardshipReviewsController {
  constructor(private readonly reviews: FixupReviewsService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({
    summary:
      'Fix-up tasks needing review (kind validation_failure, conflict or needs_decision; filter with reason), ' +
      "cursor-paginated; a conflict carries the target's current values.",
  })
  @FIXUP_REVIEWS_LIST_QUERY.apiQueries()
  @ApiOkResponse({ type: ReviewItemPage })
  list(@Query() query: Record<string, unknown>): Promise<ReviewItemPage> {
    return this.reviews.list(FIXUP_REVIEWS_LIST_QUERY.parse(query));
  }

  @Post(':taskId/decide')
  @Roles('steward')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve, retry or dismiss a fix-up task waiting for review (through the fix-up module).' })
  @ApiOkResponse({ type: BulkOutcomeView })
  @ApiNotFoundResponse({ description: 'No fix-up task with this id.' })
  @ApiConflictResponse({ description: 'The task is not waiting for review (someone decided it first).' })
  @ApiServiceUnavailableResponse({ description: 'This process runs without the fix-up module.' })
  decide(
    @Param('taskId', new ParseUUIDPipe()) taskId: string,
    @Body() body: FixupDecisionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BulkOutcomeView> {
    return this.reviews.decide(taskId, body.decision, principal.actor, body.reason);
  }
}
