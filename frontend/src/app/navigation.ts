export interface NavigationItem {
  path: string;
  label: string;
}

/** The dashboard's pages, in the order ops leaders and integration engineers reach for them. */
export const NAVIGATION: NavigationItem[] = [
  { path: '/', label: 'Overview' },
  { path: '/exceptions', label: 'Exceptions' },
  { path: '/customers', label: 'Customer 360' },
  { path: '/fix-ups', label: 'Fix-ups' },
  { path: '/rules', label: 'Rules' },
  { path: '/connectors', label: 'Connectors' },
  { path: '/alerts', label: 'Alerts' },
  { path: '/audit', label: 'Audit log' },
  { path: '/api-keys', label: 'API keys' },
];
