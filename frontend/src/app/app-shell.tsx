import { NavLink, Outlet } from 'react-router';
import { HealthBadge } from './health-badge';
import { NAVIGATION } from './navigation';

export function AppShell() {
  return (
    <div className="shell">
      <header className="shell-header">
        <span className="brand">Driftwatch</span>
        <HealthBadge />
      </header>
      <nav className="shell-nav" aria-label="Main">
        {NAVIGATION.map((item) => (
          <NavLink key={item.path} to={item.path} end={item.path === '/'}>
            {item.label}
          </NavLink>
        ))}
      </nav>
      <main className="shell-main">
        <Outlet />
      </main>
    </div>
  );
}
