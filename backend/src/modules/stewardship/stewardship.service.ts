import { Injectable } from '@nestjs/common';
import type { ItemView, OpenItemInput } from './stewardship-item';
import { StewardshipItemsRepository } from './stewardship-items.repository';

/**
 * The stewardship queue: decisions about records that only a person can make (duplicates to merge,
 * identities to link, fix-ups the target refused). Other modules raise items with `open`.
 */
@Injectable()
export class StewardshipService {
  constructor(private readonly items: StewardshipItemsRepository) {}

  /**
   * Raises an item, idempotently: the same source (type, id) always maps to the same item. An open
   * item is refreshed with the given candidates and suggestion; a decided or dismissed one is kept.
   */
  async open(input: OpenItemInput, actor = 'system'): Promise<{ item: ItemView; created: boolean }> {
    return this.items.upsert(input, actor);
  }
}
