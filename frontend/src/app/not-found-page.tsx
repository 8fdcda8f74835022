import { Link, useLocation } from 'react-router';
import { Page } from '../ui/page';

/** A path the dashboard has no page for (a mistyped or stale link): said inside the shell, with the way back. */
export function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <Page title="Page not found">
      <p className="empty">
        There is no page at <code>{pathname}</code>. <Link to="/">Go to the overview</Link>, or pick a page on the left.
      </p>
    </Page>
  );
}
