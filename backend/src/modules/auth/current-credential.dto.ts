import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from './roles';

export const CREDENTIAL_KINDS = ['api_key', 'oidc'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** The credential a request was made with, as the caller may see it: never a secret, hash or key id. */
export class CurrentCredentialView {
  @ApiProperty({ enum: CREDENTIAL_KINDS, description: 'An API key or an OIDC bearer token.' })
  kind!: CredentialKind;

  @ApiProperty({
    description: "The API key's name, or the token's preferred_username / email / sub.",
    example: 'grafana',
  })
  name!: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['viewer'] })
  roles!: Role[];
}
