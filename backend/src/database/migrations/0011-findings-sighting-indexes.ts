import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer indexes on `findings`, because a run writes every one of them for every finding it sees: a
 * sighting changes last_seen_at and last_run_id, which 12 of the 16 indexes hold, so each seen finding
 * is a non-HOT update that inserts into all 16 (and a new finding into all of them too). Dropped:
 *  - findings_rule_status_idx (rule_id, status): a prefix of findings_rule_last_seen_idx (0008), which
 *    serves the same lookups (resolution of a run's rules, alert groups);
 *  - the four (filter, last_seen_at DESC, id DESC) indexes of 0009 for a rule, system, severity or
 *    domain without a status: the findings list now reads 0008's (filter, status, last_seen_at DESC,
 *    id DESC) once per status and merges the ordered parts (FindingsRepository.find).
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
const DROPPED: [name: string, definition: string][] = [
  ['findings_rule_status_idx', '(rule_id, status)'],
  ['findings_rule_only_last_seen_idx', '(rule_id, last_seen_at DESC, id DESC)'],
  ['findings_system_only_last_seen_idx', '(actual_system, last_seen_at DESC, id DESC)'],
  ['findings_severity_only_last_seen_idx', '(severity, last_seen_at DESC, id DESC)'],
  ['findings_domain_only_last_seen_idx', '(domain, last_seen_at DESC, id DESC)'],
];

export class FindingsSightingIndexes0000000000011 implements MigrationInterface {
  name = 'FindingsSightingIndexes0000000000011';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [name] of DROPPED) await queryRunner.query(`DROP INDEX ${name}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [name, definition] of DROPPED) await queryRunner.query(`CREATE INDEX ${name} ON findings ${definition}`);
  }
}
