import { useQueryClient } from '@tanstack/react-query';
import { credentialStore } from '../api/credential-store';
import { useCurrentRole } from '../api/current-role';

/** Header: the signed-in role and a sign-out button. */
export function SessionMenu() {
  const queryClient = useQueryClient();
  const role = useCurrentRole();
  return (
    <div className="session-menu">
      <span className="badge badge-muted" aria-label="Signed-in role">
        {role ?? 'checking role…'}
      </span>
      <button
        type="button"
        className="button on-dark"
        onClick={() => {
          credentialStore.clear();
          queryClient.clear();
        }}
      >
        Sign out
      </button>
    </div>
  );
}
