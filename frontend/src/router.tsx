import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { AppShell } from './app/app-shell';
import { CustomerPathRedirect } from './app/customer-path-redirect';
import { NAVIGATION } from './app/navigation';
import { NotBuiltPage } from './app/not-built-page';
import { NotFoundPage } from './app/not-found-page';
import { RouteErrorPage } from './app/route-error-page';

/**
 * A page loaded on first visit: each page (and what only it uses, e.g. recharts for the overview)
 * is its own chunk, so signing in does not download every page of the dashboard.
 */
function page<M>(load: () => Promise<M>, pick: (module: M) => ComponentType): ReactNode {
  const Page = lazy(() => load().then((module) => ({ default: pick(module) })));
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <Page />
    </Suspense>
  );
}

const PAGES: Record<string, ReactNode> = {
  '/': page(
    () => import('./features/overview/components/overview-page'),
    (m) => m.OverviewPage,
  ),
  '/exceptions': page(
    () => import('./features/exceptions/components/exceptions-page'),
    (m) => m.ExceptionsPage,
  ),
  '/connectors': page(
    () => import('./features/connectors/components/connectors-page'),
    (m) => m.ConnectorsPage,
  ),
  '/customers': page(
    () => import('./features/customer-360/components/customer-360-page'),
    (m) => m.Customer360Page,
  ),
  '/fix-ups': page(
    () => import('./features/fix-ups/components/fix-ups-page'),
    (m) => m.FixUpsPage,
  ),
  '/rules': page(
    () => import('./features/rules/components/rules-page'),
    (m) => m.RulesPage,
  ),
  '/alerts': page(
    () => import('./features/alerts/components/alerts-page'),
    (m) => m.AlertsPage,
  ),
  '/audit': page(
    () => import('./features/audit/components/audit-page'),
    (m) => m.AuditPage,
  ),
  '/api-keys': page(
    () => import('./features/api-keys/components/api-keys-page'),
    (m) => m.ApiKeysPage,
  ),
};

export const routes: RouteObject[] = [
  {
    path: '/',
    element: <AppShell />,
    children: [
      {
        // Pathless, so a page's error or an unknown path renders in the shell's outlet, navigation kept.
        errorElement: <RouteErrorPage />,
        children: [
          ...NAVIGATION.map((item): RouteObject => {
            const element = PAGES[item.path] ?? <NotBuiltPage title={item.label} />;
            return item.path === '/' ? { index: true, element } : { path: item.path.slice(1), element };
          }),
          { path: 'customers/:customerNumber', element: <CustomerPathRedirect /> },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
];

export const createRouter = () => createBrowserRouter(routes);
