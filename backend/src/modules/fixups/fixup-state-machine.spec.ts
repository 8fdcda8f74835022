import {
  ALLOWED_TRANSITIONS,
  assertTransition,
  canTransition,
  InvalidTransitionError,
  sourcesOf,
  TERMINAL_STATES,
} from './fixup-state-machine';
import { FIXUP_STATES } from './fixup-task';

describe('fix-up state machine', () => {
  it('walks the happy path proposed → approved → queued → applying → verifying → done', () => {
    const path = ['proposed', 'approved', 'queued', 'applying', 'verifying', 'done'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1], path[i])).toBe(true);
  });

  it('never leaves a terminal state', () => {
    for (const terminal of TERMINAL_STATES) {
      for (const to of FIXUP_STATES) expect(canTransition(terminal, to)).toBe(false);
    }
  });

  it('refuses skipping approval or verification', () => {
    expect(() => assertTransition('proposed', 'queued')).toThrow(InvalidTransitionError);
    expect(() => assertTransition('applying', 'done')).toThrow('cannot go from applying to done');
    expect(() => assertTransition('needs_review', 'queued')).toThrow(InvalidTransitionError);
  });

  it('lets people replay dead letters, retry failures and conflicts, and dismiss what is not done', () => {
    expect(canTransition('dead_lettered', 'queued')).toBe(true);
    expect(canTransition('failed', 'queued')).toBe(true);
    expect(canTransition('conflict', 'queued')).toBe(true);
    // applying → dismissed is the worker's: the owner's value moved on, the task is superseded.
    expect(sourcesOf('dismissed').sort()).toEqual(
      ['applying', 'approved', 'conflict', 'dead_lettered', 'failed', 'needs_review', 'proposed', 'queued'].sort(),
    );
  });

  it('declares every state', () => {
    expect(Object.keys(ALLOWED_TRANSITIONS).sort()).toEqual([...FIXUP_STATES].sort());
    for (const targets of Object.values(ALLOWED_TRANSITIONS)) {
      for (const to of targets) expect(FIXUP_STATES).toContain(to);
    }
  });
});
