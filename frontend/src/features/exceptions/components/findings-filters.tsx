import { useEffect, useState, type FormEvent } from 'react';
import { DOMAINS, FINDING_STATUSES, SEVERITIES, type FindingFilters } from '../../../api/findings';
import { ANY_STATUS, DEFAULT_STATUS } from '../hooks/use-exception-filters';

const TEXT_FILTERS: { name: keyof FindingFilters; label: string; placeholder: string }[] = [
  { name: 'ruleId', label: 'Rule', placeholder: 'customer.legal-name' },
  { name: 'entity', label: 'Entity', placeholder: 'customer' },
  { name: 'kind', label: 'Kind', placeholder: 'mismatch' },
  { name: 'actualSystem', label: 'System', placeholder: 'crm' },
  { name: 'matchKey', label: 'Record key', placeholder: 'C000123' },
  { name: 'assignee', label: 'Assignee', placeholder: 'me, unassigned or a name' },
];

/** `any` first unless the filter has its own choices for everything (status: active or any). */
const SELECT_FILTERS: {
  name: keyof FindingFilters;
  label: string;
  values: readonly string[];
  labels?: Record<string, string>;
}[] = [
  {
    name: 'status',
    label: 'Status',
    values: [DEFAULT_STATUS, ANY_STATUS, ...FINDING_STATUSES],
    labels: { [DEFAULT_STATUS]: 'active (new, open, reopened)' },
  },
  { name: 'severity', label: 'Severity', values: SEVERITIES },
  { name: 'domain', label: 'Domain', values: DOMAINS },
];

/** The queue's filter bar; selects apply at once, text fields on Apply/Enter (one request, not one per key). */
export function FindingsFilters({
  filters,
  onChange,
  onClear,
}: {
  filters: FindingFilters;
  onChange: (name: keyof FindingFilters, value: string | null) => void;
  onClear: () => void;
}) {
  const [draft, setDraft] = useState<FindingFilters>(filters);
  useEffect(() => setDraft(filters), [filters]);

  function apply(event: FormEvent) {
    event.preventDefault();
    for (const { name } of TEXT_FILTERS) {
      if ((draft[name] ?? '') !== (filters[name] ?? '')) onChange(name, draft[name]?.trim() || null);
    }
  }

  return (
    <form className="filter-bar" aria-label="Filter findings" onSubmit={apply}>
      {SELECT_FILTERS.map(({ name, label, values, labels }) => (
        <label key={name} className="field">
          <span>{label}</span>
          <select value={filters[name] ?? ''} onChange={(e) => onChange(name, e.target.value || null)}>
            {!values.includes(ANY_STATUS) && <option value="">any</option>}
            {values.map((v) => (
              <option key={v} value={v}>
                {labels?.[v] ?? v}
              </option>
            ))}
          </select>
        </label>
      ))}
      {TEXT_FILTERS.map(({ name, label, placeholder }) => (
        <label key={name} className="field">
          <span>{label}</span>
          <input
            type="search"
            value={draft[name] ?? ''}
            placeholder={placeholder}
            onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
          />
        </label>
      ))}
      <div className="filter-actions">
        <button type="submit" className="button primary">
          Apply
        </button>
        <button type="button" className="button" onClick={onClear}>
          Clear
        </button>
      </div>
    </form>
  );
}
