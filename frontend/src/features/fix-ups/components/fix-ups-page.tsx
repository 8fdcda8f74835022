import { useSearchParams } from 'react-router';
import { Page } from '../../../ui/page';
import { FixupTasks } from './fixup-tasks';
import { StewardshipQueue } from './stewardship-queue';
import { StewardshipReviews } from './stewardship-reviews';

const VIEWS = [
  { id: 'tasks', label: 'Fix-up tasks' },
  { id: 'stewardship', label: 'Stewardship' },
  { id: 'reviews', label: 'Fix-ups to review' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

/**
 * Fix-up tasks (states, retries, dead letters with replay), the stewardship queue (merges, links) and
 * the fix-up tasks waiting for a person (refused by the target, conflicts, decisions first).
 */
export function FixUpsPage() {
  const [params, setParams] = useSearchParams();
  const view: ViewId = VIEWS.find((v) => v.id === params.get('view'))?.id ?? 'tasks';
  return (
    <Page title="Fix-ups & stewardship">
      <div className="tabs" role="tablist" aria-label="Fix-ups views">
        {VIEWS.map((v) => (
          <button
            key={v.id}
            type="button"
            role="tab"
            id={`tab-${v.id}`}
            aria-selected={view === v.id}
            aria-controls={`panel-${v.id}`}
            className={view === v.id ? 'tab active' : 'tab'}
            onClick={() => setParams(v.id === 'tasks' ? {} : { view: v.id })}
          >
            {v.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${view}`} aria-labelledby={`tab-${view}`}>
        {view === 'tasks' ? <FixupTasks /> : view === 'stewardship' ? <StewardshipQueue /> : <StewardshipReviews />}
      </div>
    </Page>
  );
}
