import { Injectable } from '@nestjs/common';
import { RuleCatalogService, type RuleSet } from '../reconciliation/rule-catalog.service';

/** The rule pack is parsed at most this often (parsing and validating every YAML file takes ~80 ms). */
const RULES_TTL_MS = 15_000;

/** The rule pack and ownership policy for read endpoints, re-read from disk every 15 s (edits apply without a restart). */
@Injectable()
export class RulePackCache {
  private cached: { at: number; set: RuleSet } | undefined;

  constructor(private readonly catalog: RuleCatalogService) {}

  get(): RuleSet {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > RULES_TTL_MS) this.cached = { at: now, set: this.catalog.load() };
    return this.cached.set;
  }
}
