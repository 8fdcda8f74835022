import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import { UnknownRuleError } from './rule-catalog.service';
import { RuleDefinitionView, RuleListView } from './rules.dto';
import { RulesService } from './rules.service';

@ApiTags('rules')
@Controller('api/v1/rules')
@Roles('viewer')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  @ApiOperation({ summary: 'Every rule of the pack, and the rule files that failed to load.' })
  @ApiOkResponse({ type: RuleListView })
  list(): RuleListView {
    return this.rules.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One rule: its full definition and the ClickHouse SQL it compiles to now.' })
  @ApiOkResponse({ type: RuleDefinitionView })
  @ApiNotFoundResponse({ description: 'No rule with this id in the pack.' })
  async get(@Param('id') id: string): Promise<RuleDefinitionView> {
    try {
      return await this.rules.get(id);
    } catch (error) {
      if (error instanceof UnknownRuleError) throw new NotFoundException(error.message);
      throw error;
    }
  }
}
