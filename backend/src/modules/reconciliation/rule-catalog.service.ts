import { Injectable, Logger } from '@nestjs/common';
import {
  DEFAULT_OWNERSHIP_FILE,
  DEFAULT_RULES_DIR,
  formatProblem,
  loadOwnership,
  loadRules,
  parseRuleOrThrow,
  type Ownership,
  type Rule,
} from '@driftwatch/reconciliation-rules';
import { ConfigService } from '../../config/config.service';

export interface RuleSet {
  rules: Rule[];
  ownership: Ownership;
  /** Files that failed to load, with readable problems; they never stop the other rules. */
  errors: string[];
}

export class UnknownRuleError extends Error {
  constructor(readonly ruleId: string) {
    super(`no rule ${ruleId} in the rule set`);
    this.name = 'UnknownRuleError';
  }
}

/** Read endpoints take the pack at most this stale (parsing and validating every YAML file takes ~80 ms). */
const READ_TTL_MS = 15_000;

/** The rule pack and ownership policy, read from disk at each run so edited rules apply without a restart. */
@Injectable()
export class RuleCatalogService {
  private readonly logger = new Logger(RuleCatalogService.name);
  private cached: { at: number; set: RuleSet } | undefined;

  constructor(private readonly config: ConfigService) {}

  load(): RuleSet {
    const ownership = loadOwnership(this.config.get('RECONCILIATION_OWNERSHIP_FILE') ?? DEFAULT_OWNERSHIP_FILE);
    const loaded = loadRules(this.config.get('RECONCILIATION_RULES_DIR') ?? DEFAULT_RULES_DIR);
    const errors = loaded.errors.flatMap((e) => e.problems.map((p) => formatProblem(p)));
    for (const error of errors) this.logger.warn(`rule not loaded: ${error}`);
    return { rules: loaded.rules.map((r) => r.rule), ownership, errors };
  }

  /** The pack for read endpoints: re-read from disk at most every 15 s, so edits still apply without a restart. */
  current(): RuleSet {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > READ_TTL_MS) this.cached = { at: now, set: this.load() };
    return this.cached.set;
  }

  find(set: RuleSet, ruleId: string): Rule {
    const rule = set.rules.find((r) => r.id === ruleId);
    if (!rule) throw new UnknownRuleError(ruleId);
    return rule;
  }

  /** A rule given as YAML text (the rules editor's dry-run); throws RuleFileError naming line and field. */
  parse(text: string): Rule {
    return parseRuleOrThrow(text, 'request.yaml');
  }
}
