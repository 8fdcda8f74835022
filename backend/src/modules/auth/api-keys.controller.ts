import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from './access.decorators';
import { ApiKeyList, ApiKeyView, CreateApiKeyDto, CreatedApiKey } from './api-key.dto';
import { ApiKeyService } from './api-key.service';
import type { Principal } from './principal';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException({ message: "path parameter 'id' must be a UUID", field: 'id' }),
});

@ApiTags('api-keys')
@Controller('api/v1/api-keys')
@Roles('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key. The key is in this response only; it is stored hashed.' })
  @ApiCreatedResponse({ type: CreatedApiKey })
  async create(@Body() body: CreateApiKeyDto, @CurrentPrincipal() principal: Principal): Promise<CreatedApiKey> {
    return this.keys.create(
      { name: body.name, roles: body.roles, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
      principal.actor,
    );
  }

  @Get()
  @ApiOperation({ summary: 'All API keys (never their secrets).' })
  @ApiOkResponse({ type: ApiKeyList })
  async list(): Promise<ApiKeyList> {
    return { items: await this.keys.list() };
  }

  @Get(':id')
  @ApiOkResponse({ type: ApiKeyView })
  @ApiNotFoundResponse()
  async get(@Param('id', uuid) id: string): Promise<ApiKeyView> {
    return this.keys.get(id);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key. It stops working at once; the record stays for the audit trail.' })
  @ApiOkResponse({ type: ApiKeyView })
  @ApiNotFoundResponse()
  async revoke(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal): Promise<ApiKeyView> {
    return this.keys.revoke(id, principal.actor);
  }
}
