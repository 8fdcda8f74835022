import { useMutation } from '@tanstack/react-query';
import { fetchFindingsCsv, type FindingFilters } from '../../../api/findings';

const FILE_NAME = 'driftwatch-findings.csv';

/** Hands a CSV text to the browser as a file download. */
function saveCsv(csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = FILE_NAME;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

/**
 * Downloads the queue as it is filtered and sorted now, through GET /api/v1/findings/export (fetched
 * with the signed-in credential, so a plain link would not do).
 */
export function FindingsExportButton({ filters, sort }: { filters: FindingFilters; sort: string }) {
  const download = useMutation({ mutationFn: () => fetchFindingsCsv(filters, sort), onSuccess: saveCsv });
  return (
    <div className="toolbar">
      <button type="button" className="button" disabled={download.isPending} onClick={() => download.mutate()}>
        {download.isPending ? 'Exporting…' : 'Export CSV'}
      </button>
      {download.isError && (
        <span role="alert" className="error-text">
          Could not export findings: {download.error.message}
        </span>
      )}
    </div>
  );
}
