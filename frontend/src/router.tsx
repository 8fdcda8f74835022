import { createBrowserRouter, type RouteObject } from 'react-router';
import { AppShell } from './app/app-shell';
import { NAVIGATION } from './app/navigation';
import { NotBuiltPage } from './app/not-built-page';

export const routes: RouteObject[] = [
  {
    path: '/',
    element: <AppShell />,
    children: NAVIGATION.map((item) =>
      item.path === '/'
        ? { index: true, element: <NotBuiltPage title={item.label} /> }
        : { path: item.path.slice(1), element: <NotBuiltPage title={item.label} /> },
    ),
  },
];

export const createRouter = () => createBrowserRouter(routes);
