import { Injectable } from '@nestjs/common';
import type { CurrentCredentialView } from './current-credential.dto';
import type { Principal } from './principal';

/** What the caller may learn about its own credential (the dashboard shows buttons by role from it). */
@Injectable()
export class CurrentCredentialService {
  describe(principal: Principal): CurrentCredentialView {
    // Only these three fields: the key id and actor stay server-side, secrets never reach the principal.
    return {
      kind: principal.kind === 'api-key' ? 'api_key' : 'oidc',
      name: principal.name,
      roles: [...principal.roles],
    };
  }
}
