import { BadRequestException, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import type { ApiKeyView, CreatedApiKey } from './api-key.dto';
import type { Principal } from './principal';
import type { Role } from './roles';

// dwk_ + 12 hex (public id, for lookup) + _ + 43 base64url chars (256 random bits).
const KEY_SHAPE = /^dwk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

const hash = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export const looksLikeApiKey = (value: string): boolean => value.startsWith('dwk_');

@Injectable()
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly audit: AuditService,
  ) {}

  /** Creates a key and returns it once; only its hash is stored. */
  async create(input: { name: string; roles: Role[]; expiresAt?: Date }, actor: string): Promise<CreatedApiKey> {
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw new BadRequestException({ message: 'expiresAt: must be in the future', field: 'expiresAt' });
    }
    const keyId = randomBytes(6).toString('hex');
    const key = `dwk_${keyId}_${randomBytes(32).toString('base64url')}`;
    const entity = Object.assign(new ApiKeyEntity(), {
      id: randomUUID(),
      keyId,
      secretHash: hash(key),
      name: input.name,
      roles: input.roles,
      createdBy: actor,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      revokedBy: null,
      lastUsedAt: null,
    });
    const saved = await this.keys.inTransaction(async (manager) => {
      const row = await this.keys.insert(entity, manager);
      const view = toView(row);
      await this.audit.record(
        { action: 'api-key.create', subjectType: 'api_key', subjectId: row.id, before: null, after: view, actor },
        manager,
      );
      return view;
    });
    return { key, apiKey: saved };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.keys.list()).map(toView);
  }

  async get(id: string): Promise<ApiKeyView> {
    const row = await this.keys.findById(id);
    if (!row) throw new NotFoundException({ message: `no API key with id ${id}`, field: 'id' });
    return toView(row);
  }

  /** Revokes a key for good; revoking an already revoked key changes nothing. */
  async revoke(id: string, actor: string): Promise<ApiKeyView> {
    return this.keys.inTransaction(async (manager) => {
      const row = await this.keys.findForUpdate(id, manager);
      if (!row) throw new NotFoundException({ message: `no API key with id ${id}`, field: 'id' });
      if (row.revokedAt) return toView(row);
      const before = toView(row);
      row.revokedAt = new Date();
      row.revokedBy = actor;
      const after = toView(await this.keys.save(row, manager));
      await this.audit.record(
        { action: 'api-key.revoke', subjectType: 'api_key', subjectId: row.id, before, after, actor },
        manager,
      );
      return after;
    });
  }

  /** Checks a presented key; every failure is a 401 that says why without revealing the key. */
  async authenticate(presented: string): Promise<Principal> {
    const match = KEY_SHAPE.exec(presented);
    if (!match) throw new UnauthorizedException('invalid API key');
    const row = await this.keys.findByKeyId(match[1]);
    if (!row || !timingSafeEqual(row.secretHash, hash(presented))) throw new UnauthorizedException('invalid API key');
    if (row.revokedAt) throw new UnauthorizedException('API key revoked');
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) throw new UnauthorizedException('API key expired');
    // last_used_at is coarse (a minute): skip the write while the stored value is recent.
    const now = new Date();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) await this.keys.touch(row.id, now);
    return { kind: 'api-key', id: row.keyId, name: row.name, roles: row.roles, actor: `api-key:${row.keyId}` };
  }
}

function toView(row: ApiKeyEntity): ApiKeyView {
  const expired = row.expiresAt !== null && row.expiresAt.getTime() <= Date.now();
  return {
    id: row.id,
    keyId: row.keyId,
    name: row.name,
    roles: row.roles,
    status: row.revokedAt ? 'revoked' : expired ? 'expired' : 'active',
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    revokedBy: row.revokedBy,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
