import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RuleCompileError, RuleFileError } from '@driftwatch/reconciliation-rules';
import { Roles } from '../auth/access.decorators';
import {
  BacktestDto,
  BacktestView,
  CreateReconciliationRunDto,
  DryRunDto,
  DryRunView,
  ListReconciliationRunsQuery,
  QueuedReconciliationRun,
  ReconciliationRunView,
} from './reconciliation.dto';
import { ReconciliationRunsRepository } from './reconciliation-runs.repository';
import { ReconciliationTriggerService } from './reconciliation-trigger.service';
import { InvalidReconciliationRequestError } from './reconciliation-request.error';
import { ReconciliationService } from './reconciliation.service';
import { RulePreviewsService } from './rule-previews.service';
import { UnknownRuleError } from './rule-catalog.service';

@ApiTags('reconciliation')
@Controller('api/v1/reconciliation')
export class ReconciliationController {
  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly previews: RulePreviewsService,
    private readonly trigger: ReconciliationTriggerService,
    private readonly runs: ReconciliationRunsRepository,
  ) {}

  @Post('runs')
  @HttpCode(202)
  @Roles('engineer')
  @ApiAcceptedResponse({
    type: QueuedReconciliationRun,
    description: 'Queued; the run appears under GET runs?jobId= once a worker starts it.',
  })
  @ApiNotFoundResponse({ description: 'A rule of ruleIds is not in the rule set; nothing was queued.' })
  async create(@Body() body: CreateReconciliationRunDto): Promise<QueuedReconciliationRun> {
    if ((body.keys === undefined) !== (body.entity === undefined)) {
      throw new BadRequestException('a targeted run needs both entity and keys');
    }
    return this.translate(async () => {
      if (body.ruleIds) this.reconciliation.assertRulesExist(body.ruleIds);
      return { jobId: await this.trigger.requested({ ruleIds: body.ruleIds, entity: body.entity, keys: body.keys }) };
    });
  }

  @Get('runs')
  @Roles('viewer')
  @ApiOperation({ summary: 'The latest reconciliation runs, newest first.' })
  @ApiOkResponse({ type: ReconciliationRunView, isArray: true })
  async list(@Query() query: ListReconciliationRunsQuery): Promise<ReconciliationRunView[]> {
    return this.runs.list(query.limit ?? 50, { jobId: query.jobId, scope: query.scope });
  }

  @Get('runs/:id')
  @Roles('viewer')
  @ApiOkResponse({ type: ReconciliationRunView })
  @ApiNotFoundResponse({ description: 'No reconciliation run with this id.' })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReconciliationRunView> {
    const run = await this.runs.findById(id);
    if (!run) throw new NotFoundException(`reconciliation run ${id} not found`);
    return run;
  }

  @Post('dry-run')
  @HttpCode(200)
  @Roles('engineer')
  @ApiOperation({ summary: 'Compile and run one rule against the current state now; nothing is persisted.' })
  @ApiOkResponse({ type: DryRunView })
  @ApiNotFoundResponse({ description: 'No rule with this ruleId in the rule set.' })
  async dryRun(@Body() body: DryRunDto): Promise<DryRunView> {
    return this.translate(() =>
      this.previews.dryRun({ ruleId: body.ruleId, yaml: body.rule, keys: body.keys, limit: body.limit }),
    );
  }

  @Post('backtest')
  @HttpCode(200)
  @Roles('engineer')
  @ApiOperation({ summary: 'Run one rule against past complete snapshots; returns hits over time, persists nothing.' })
  @ApiOkResponse({ type: BacktestView })
  @ApiNotFoundResponse({ description: 'No rule with this ruleId in the rule set.' })
  async backtest(@Body() body: BacktestDto): Promise<BacktestView> {
    return this.translate(() =>
      this.previews.backtest({
        ruleId: body.ruleId,
        yaml: body.rule,
        from: body.from === undefined ? undefined : new Date(body.from),
        to: body.to === undefined ? undefined : new Date(body.to),
        maxPoints: body.maxPoints,
      }),
    );
  }

  private async translate<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof UnknownRuleError) throw new NotFoundException(error.message);
      if (error instanceof RuleFileError || error instanceof RuleCompileError) {
        throw new BadRequestException(error.message);
      }
      if (error instanceof InvalidReconciliationRequestError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
