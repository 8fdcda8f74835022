import { isRouteErrorResponse, useRouteError } from 'react-router';
import { Page } from '../ui/page';
import { NotFoundPage } from './not-found-page';

/**
 * A page that failed to load or render, shown inside the shell instead of the router's bare default.
 * The usual cause is a page's code chunk gone after a redeploy, which a reload fetches anew.
 */
export function RouteErrorPage() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage />;
  const reason = error instanceof Error ? error.message : isRouteErrorResponse(error) ? error.statusText : '';
  return (
    <Page title="This page failed to load">
      <p role="alert">
        Reloading usually fixes it (a new version of the dashboard may have been deployed).
        {reason && <span className="muted"> Reason: {reason}</span>}
      </p>
      <button type="button" onClick={() => window.location.reload()}>
        Reload
      </button>
    </Page>
  );
}
