/**
 * SQL on `reconciliation_runs`: whether the run was targeted (its scope names a target). A full run's
 * scope holds `"target": null`.
 */
export const RUN_IS_TARGETED = `coalesce(jsonb_typeof(scope -> 'target') = 'object', false)`;

/** A full run (its scope names no target): migration 0026's partial-index predicate, spelled alike. */
export const RUN_IS_FULL = `NOT ${RUN_IS_TARGETED}`;

/**
 * The WHERE condition (on `findings`) for the active findings a run saw, for the readers of a run's
 * findings in other modules (fix-up planning, stewardship intake), who page them by id. `run` and
 * `after` are the placeholders holding the run id and the id to page after.
 *
 * last_run_id has no index (migration 0016: every sighting writes it), so a full run's findings are
 * read by walking findings in id order, nearly all of them active findings that run saw. A targeted
 * run saw a handful: its merge recorded their ids (migration 0017), which lead the read instead.
 */
export function seenByRunCondition(targeted: boolean, placeholders: { run: string; after: string }): string {
  const { run, after } = placeholders;
  const seen = `last_run_id = ${run}::uuid AND status IN ('new', 'open', 'reopened')`;
  if (!targeted) return seen;
  return `id IN (SELECT finding_id FROM targeted_run_findings WHERE run_id = ${run}::uuid AND finding_id > ${after})
    AND ${seen}`;
}
