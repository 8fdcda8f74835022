import { applyDecorators, Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
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
import { AssignItemDto, DecideItemDto, DismissItemDto, ItemDetail, ItemPage } from './stewardship.dto';
import { ItemView } from './stewardship-item';
import { STEWARDSHIP_LIST_QUERY } from './stewardship-query';
import { StewardshipService } from './stewardship.service';

const ItemNotFound = () => ApiNotFoundResponse({ description: 'No stewardship item with this id.' });

/** The errors of a change to an item: it must exist and still be open. */
const ItemChangeErrors = () =>
  applyDecorators(
    ItemNotFound(),
    ApiConflictResponse({ description: 'The item is no longer open (someone decided or dismissed it first).' }),
  );

@ApiTags('stewardship')
@Controller('api/v1/stewardship/items')
export class StewardshipController {
  constructor(private readonly stewardship: StewardshipService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Stewardship items, newest first by default, cursor-paginated.' })
  @STEWARDSHIP_LIST_QUERY.apiQueries()
  @ApiOkResponse({ type: ItemPage })
  list(@Query() query: Record<string, unknown>): Promise<ItemPage> {
    return this.stewardship.list(STEWARDSHIP_LIST_QUERY.parse(query));
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOkResponse({
    type: ItemDetail,
    description: 'The item, its records side by side from the latest snapshots, links and history.',
  })
  @ItemNotFound()
  detail(@Param('id', new ParseUUIDPipe()) id: string): Promise<ItemDetail> {
    return this.stewardship.detail(id);
  }

  @Post(':id/assign')
  @Roles('engineer')
  @HttpCode(200)
  @ApiOkResponse({ type: ItemView, description: 'The item as assigned.' })
  @ItemChangeErrors()
  assign(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: AssignItemDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ItemView> {
    return this.stewardship.assign(id, body.assignee, principal.actor);
  }

  @Post(':id/decide')
  @Roles('steward')
  @HttpCode(200)
  @ApiOperation({ summary: 'Merge duplicates (survivor + field-by-field choice), or confirm / reject a link.' })
  @ApiOkResponse({ type: ItemView, description: 'The decided item.' })
  @ItemChangeErrors()
  @ApiServiceUnavailableResponse({ description: 'A merge, and this process runs without the fix-up module.' })
  decide(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: DecideItemDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ItemView> {
    return this.stewardship.decide(id, body, principal.actor);
  }

  @Post(':id/dismiss')
  @Roles('steward')
  @HttpCode(200)
  @ApiOkResponse({ type: ItemView, description: 'The dismissed item.' })
  @ItemChangeErrors()
  dismiss(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: DismissItemDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ItemView> {
    return this.stewardship.dismiss(id, body.reason, principal.actor);
  }
}
