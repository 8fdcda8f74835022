import { NavLink, Outlet, useLocation } from 'react-router';
import { useCredential } from '../api/session';
import { HealthBadge } from './health-badge';
import { NAVIGATION } from './navigation';
import { SessionMenu } from './session-menu';
import { SignInForm } from './sign-in-form';

function pageTitleOf(pathname: string): string {
  const match = NAVIGATION.filter((item) =>
    item.path === '/' ? pathname === '/' : pathname === item.path || pathname.startsWith(`${item.path}/`),
  );
  return match[0]?.label ?? 'Driftwatch';
}

export function AppShell() {
  const credential = useCredential();
  const { pathname } = useLocation();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell-header">
        <span className="brand">Driftwatch</span>
        <div className="header-right">
          <HealthBadge />
          {credential && <SessionMenu />}
        </div>
      </header>
      <nav className="shell-nav" aria-label="Main">
        {NAVIGATION.map((item) => (
          <NavLink key={item.path} to={item.path} end={item.path === '/'}>
            {item.label}
          </NavLink>
        ))}
      </nav>
      <main className="shell-main" id="main" tabIndex={-1}>
        {credential ? <Outlet /> : <SignInForm pageTitle={pageTitleOf(pathname)} />}
      </main>
    </div>
  );
}
