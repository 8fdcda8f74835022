import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fix-up task list reads its page from an index in its order (newest first, ties by id) instead of
 * sorting every matching task: `(created_at DESC, id DESC)` for the whole list, and the per-state index
 * in the same order (0006's ended in `id` ascending, so a page sorted every tie) for a state filter and
 * for the `open` view, which reads one range per state and merges them. Tasks accumulate with every
 * auto-healed drift, nearly all of them done: without these a page of the list sorted all of them.
 * TypeORM orders migrations by the last 13 digits of the class name: keep them the file's number.
 */
export class FixupListOrder0000000000019 implements MigrationInterface {
  name = 'FixupListOrder0000000000019';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX fix_tasks_created_idx ON fix_tasks (created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX fix_tasks_state_created_idx ON fix_tasks (state, created_at DESC, id DESC)`);
    await queryRunner.query(`DROP INDEX fix_tasks_state_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX fix_tasks_state_idx ON fix_tasks (state, created_at DESC, id)`);
    await queryRunner.query(`DROP INDEX fix_tasks_state_created_idx`);
    await queryRunner.query(`DROP INDEX fix_tasks_created_idx`);
  }
}
