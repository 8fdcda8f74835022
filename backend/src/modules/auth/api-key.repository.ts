import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';

@Injectable()
export class ApiKeyRepository {
  private readonly keys: Repository<ApiKeyEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.keys = dataSource.getRepository(ApiKeyEntity);
  }

  /** Runs `work` in one transaction; pass the manager to this repository and to AuditService.record. */
  async inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(key: ApiKeyEntity, tx: EntityManager): Promise<ApiKeyEntity> {
    return tx.getRepository(ApiKeyEntity).save(key);
  }

  async findByKeyId(keyId: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ keyId });
  }

  async findById(id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ id });
  }

  async findForUpdate(id: string, tx: EntityManager): Promise<ApiKeyEntity | null> {
    return tx.getRepository(ApiKeyEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async save(key: ApiKeyEntity, tx: EntityManager): Promise<ApiKeyEntity> {
    return tx.getRepository(ApiKeyEntity).save(key);
  }

  async list(): Promise<ApiKeyEntity[]> {
    return this.keys.find({ order: { createdAt: 'DESC' } });
  }

  /** Coarse (once a minute per key) so that authenticating does not write on every call. */
  async touch(id: string, at: Date): Promise<void> {
    await this.keys
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: at })
      .where('id = :id AND (last_used_at IS NULL OR last_used_at < :stale)', {
        id,
        stale: new Date(at.getTime() - 60_000),
      })
      .execute();
  }
}
