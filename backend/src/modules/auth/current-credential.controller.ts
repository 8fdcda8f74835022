import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from './access.decorators';
import { CurrentCredentialView } from './current-credential.dto';
import { CurrentCredentialService } from './current-credential.service';
import type { Principal } from './principal';

@ApiTags('auth')
@Controller('api/v1/auth')
export class CurrentCredentialController {
  constructor(private readonly credentials: CurrentCredentialService) {}

  @Get('me')
  // Any authenticated caller: viewer is the lowest role, so every role passes.
  @Roles('viewer')
  @ApiOperation({ summary: 'The kind, name and roles of the credential this request was made with.' })
  @ApiOkResponse({ type: CurrentCredentialView })
  me(@CurrentPrincipal() principal: Principal): CurrentCredentialView {
    return this.credentials.describe(principal);
  }
}
