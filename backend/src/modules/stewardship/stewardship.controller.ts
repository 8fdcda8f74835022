import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { AssignItemDto, DecideItemDto, DismissItemDto } from './stewardship.dto';
import { STEWARDSHIP_LIST_QUERY } from './stewardship-query';
import { StewardshipService } from './stewardship.service';

@ApiTags('stewardship')
@Controller('api/v1/stewardship/items')
export class StewardshipController {
  constructor(private readonly stewardship: StewardshipService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Stewardship items, newest first by default, cursor-paginated.' })
  @STEWARDSHIP_LIST_QUERY.apiQueries()
  list(@Query() query: Record<string, unknown>) {
    return this.stewardship.list(STEWARDSHIP_LIST_QUERY.parse(query));
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOkResponse({ description: 'The item, its records side by side from the latest snapshots, links and history.' })
  detail(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.stewardship.detail(id);
  }

  @Post(':id/assign')
  @Roles('engineer')
  @HttpCode(200)
  assign(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: AssignItemDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.stewardship.assign(id, body.assignee, principal.actor);
  }

  @Post(':id/decide')
  @Roles('steward')
  @HttpCode(200)
  @ApiOperation({ summary: 'Merge duplicates (survivor + field-by-field choice), or confirm / reject a link.' })
  decide(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: DecideItemDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.stewardship.decide(id, body, principal.actor);
  }

  @Post(':id/dismiss')
  @Roles('steward')
  @HttpCode(200)
  dismiss(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: DismissItemDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.stewardship.dismiss(id, body.reason, principal.actor);
  }
}
