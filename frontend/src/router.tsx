import type { ReactNode } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { AppShell } from './app/app-shell';
import { NAVIGATION } from './app/navigation';
import { NotBuiltPage } from './app/not-built-page';
import { ConnectorsPage } from './features/connectors/components/connectors-page';
import { FixUpsPage } from './features/fix-ups/components/fix-ups-page';
import { RulesPage } from './features/rules/components/rules-page';
import { AlertsPage } from './features/alerts/components/alerts-page';
import { AuditPage } from './features/audit/components/audit-page';
import { Customer360Page } from './features/customer-360/components/customer-360-page';
import { ExceptionsPage } from './features/exceptions/components/exceptions-page';
import { OverviewPage } from './features/overview/components/overview-page';

const PAGES: Record<string, ReactNode> = {
  '/': <OverviewPage />,
  '/exceptions': <ExceptionsPage />,
  '/connectors': <ConnectorsPage />,
  '/customers': <Customer360Page />,
  '/fix-ups': <FixUpsPage />,
  '/rules': <RulesPage />,
  '/alerts': <AlertsPage />,
  '/audit': <AuditPage />,
};

export const routes: RouteObject[] = [
  {
    path: '/',
    element: <AppShell />,
    children: NAVIGATION.map((item) => {
      const element = PAGES[item.path] ?? <NotBuiltPage title={item.label} />;
      return item.path === '/' ? { index: true, element } : { path: item.path.slice(1), element };
    }),
  },
];

export const createRouter = () => createBrowserRouter(routes);
