import { useSearchParams } from 'react-router';
import { Page } from '../../../ui/page';
import { FixupTasks } from './fixup-tasks';
import { StewardshipQueue } from './stewardship-queue';

const VIEWS = [
  { id: 'tasks', label: 'Fix-up tasks' },
  { id: 'stewardship', label: 'Stewardship' },
] as const;

/** Fix-up tasks (states, retries, dead letters with replay) and the stewardship queue (merges, links). */
export function FixUpsPage() {
  const [params, setParams] = useSearchParams();
  const view = params.get('view') === 'stewardship' ? 'stewardship' : 'tasks';
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
        {view === 'tasks' ? <FixupTasks /> : <StewardshipQueue />}
      </div>
    </Page>
  );
}
