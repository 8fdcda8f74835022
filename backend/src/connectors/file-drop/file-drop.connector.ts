import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse';
import { z } from 'zod';
import type { CanonicalRecord, EntityKind, RejectedRecord } from '../canonical-model';
import { ENTITY_KINDS } from '../canonical-model';
import type { ConnectorConfig } from '../config/connectors-config';
import type {
  ApplyResult,
  Connector,
  ConnectorCapabilities,
  ConnectorHealth,
  ExtractBatch,
  ExtractOptions,
  RecordChange,
} from '../connector';
import { connectorMetrics, type ConnectorMetrics } from '../connector-metrics';
import { parseSettings } from '../connector-settings';
import { decodeCursor, encodeCursor, mapPage } from '../extract-support';
import { EntityMapper, fieldRuleSchema, mergeMapping, type ConnectorMapping } from '../mapping/entity-mapping';
import { excerpt } from '../mapping/value-normalizers';

const settingsSchema = z
  .object({
    /** Where partners drop files; `processed/` and `failed/` are created beside the files. */
    folder: z.string().min(1),
    entity: z.enum(ENTITY_KINDS),
    /** Columns every file must have in its header row (the header schema); others are ignored. */
    columns: z.array(z.string().min(1)).min(1),
    key: z.string().min(1),
    updatedAt: z.string().optional(),
    delimiter: z.string().length(1).default(','),
    fields: z.record(z.string(), fieldRuleSchema),
  })
  .strict();
type Settings = z.infer<typeof settingsSchema>;

interface FileCursor extends Record<string, unknown> {
  file: string;
  /** Data rows of `file` already yielded. */
  rows: number;
  /** Every row of `file` was yielded: move it on resume. */
  complete: boolean;
}

const LEDGER = '.processed.json';

/**
 * Managed file exchange: CSV files dropped in a folder, read in name order, validated against a header
 * schema; bad rows become rejects and a file whose header is wrong is moved to `failed/` whole. A file
 * is moved to `processed/` once all its rows were handed over, and its content hash is kept, so neither
 * the same file nor a re-dropped copy is ever read twice. Read-only: there is nothing to write back to.
 */
export class FileDropConnector implements Connector {
  readonly kind = 'file-drop';
  readonly capabilities: ConnectorCapabilities;
  private readonly settings: Settings;
  private readonly mapping: ConnectorMapping;
  private readonly metrics: ConnectorMetrics;

  constructor(
    readonly config: ConnectorConfig,
    deps: { metrics?: ConnectorMetrics } = {},
  ) {
    this.settings = parseSettings(config, settingsSchema);
    this.mapping = mergeMapping(
      {
        [this.settings.entity]: {
          key: this.settings.key,
          updatedAt: this.settings.updatedAt,
          fields: this.settings.fields,
        },
      },
      config.mapping,
    );
    this.capabilities = {
      entities: [this.settings.entity],
      writableEntities: [],
      incremental: true,
      changeEvents: false,
    };
    this.metrics = deps.metrics ?? connectorMetrics();
  }

  get id(): string {
    return this.config.id;
  }

  private get processedDir(): string {
    return join(this.settings.folder, 'processed');
  }

  private get failedDir(): string {
    return join(this.settings.folder, 'failed');
  }

  /** Files waiting in the inbox, oldest name first. */
  async pendingFiles(): Promise<string[]> {
    const entries = await readdir(this.settings.folder, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.csv'))
      .map((e) => e.name)
      .sort();
  }

  async *extract<E extends EntityKind>(entity: E, options: ExtractOptions): AsyncIterable<ExtractBatch<E>> {
    if (entity !== this.settings.entity) return;
    const mapper = new EntityMapper(entity, this.id, this.mapping[entity]!);
    await mkdir(this.processedDir, { recursive: true });
    await mkdir(this.failedDir, { recursive: true });
    const ledger = await this.readLedger();
    let resume = options.cursor ? decodeCursor<FileCursor>(this.id, entity, options.cursor) : undefined;
    if (resume?.complete) {
      await this.markProcessed(resume.file, ledger);
      resume = undefined;
    }
    const files = await this.pendingFiles();
    for (const file of files) {
      if (resume && file < resume.file) continue;
      const path = join(this.settings.folder, file);
      const hash = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
      if (ledger.has(hash)) {
        // The same content came in again under another name: already read once, never twice.
        await this.move(file, this.processedDir, 'duplicate');
        continue;
      }
      const skip = resume?.file === file ? resume.rows : 0;
      resume = undefined;
      let rows = 0;
      let page: unknown[] = [];
      let rejects: RejectedRecord[] = [];
      const flush = (complete: boolean): ExtractBatch<E> => {
        const mapped = mapPage(mapper, page, this.metrics);
        const batch = {
          records: mapped.records,
          rejects: [...rejects, ...mapped.rejects],
          cursor: encodeCursor(this.id, entity, { file, rows, complete } satisfies FileCursor),
        };
        page = [];
        rejects = [];
        return batch;
      };
      let header: string[] | undefined;
      let headerProblem: string | undefined;
      const parser = createReadStream(path).pipe(
        parse({
          delimiter: this.settings.delimiter,
          bom: true,
          relax_column_count: true,
          skip_empty_lines: true,
          trim: true,
        }),
      );
      for await (const raw of parser as AsyncIterable<string[]>) {
        if (!header) {
          header = raw;
          const missing = this.settings.columns.filter((c) => !raw.includes(c));
          if (missing.length) {
            headerProblem = `header is missing column(s) ${missing.join(', ')}`;
            break;
          }
          continue;
        }
        rows++;
        if (rows <= skip) continue;
        if (raw.length !== header.length) {
          rejects.push({
            entity,
            system: this.id,
            sourceKey: '',
            reason: `${file} row ${rows}: expected ${header.length} columns, found ${raw.length}`,
            rawExcerpt: excerpt(raw, 500),
          });
        } else {
          page.push(Object.fromEntries(header.map((column, i) => [column, raw[i]])));
        }
        if (page.length + rejects.length >= this.config.pageSize) yield flush(false);
      }
      if (headerProblem || !header) {
        const reason = `${file}: ${headerProblem ?? 'empty file'}`;
        await this.move(file, this.failedDir, reason);
        this.metrics.rows.inc({ connector: this.id, entity, outcome: 'reject' });
        yield {
          records: [],
          rejects: [{ entity, system: this.id, sourceKey: file, reason, rawExcerpt: excerpt(header ?? [], 500) }],
          cursor: null,
        };
        continue;
      }
      // The last batch of a file: the file is moved when the consumer comes back for more (or resumes).
      yield flush(true);
      await this.markProcessed(file, ledger, hash);
    }
    yield { records: [], rejects: [], cursor: null };
  }

  async read<E extends EntityKind>(_entity: E, _keys: string[]): Promise<CanonicalRecord<E>[]> {
    // Files are consumed once; there is no record store to read back from.
    return Promise.resolve([]);
  }

  apply(change: RecordChange, _idempotencyKey: string): Promise<ApplyResult> {
    return Promise.resolve({
      outcome: 'rejected',
      reason: `file drops are read-only (${change.entity} ${change.sourceKey})`,
    });
  }

  async health(): Promise<ConnectorHealth> {
    const started = performance.now();
    try {
      await readdir(this.settings.folder);
      return { up: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { up: false, latencyMs: Math.round(performance.now() - started), detail: (error as Error).message };
    }
  }

  private async readLedger(): Promise<Set<string>> {
    try {
      return new Set(JSON.parse(await readFile(join(this.processedDir, LEDGER), 'utf8')) as string[]);
    } catch {
      return new Set();
    }
  }

  private async markProcessed(file: string, ledger: Set<string>, knownHash?: string): Promise<void> {
    const path = join(this.settings.folder, file);
    let hash = knownHash;
    try {
      hash ??= createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    } catch {
      return; // already moved by an earlier run
    }
    ledger.add(hash);
    await writeFile(join(this.processedDir, LEDGER), JSON.stringify([...ledger]));
    await this.move(file, this.processedDir);
  }

  private async move(file: string, dir: string, note?: string): Promise<void> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const target = join(dir, `${stamp}-${basename(file)}`);
    await rename(join(this.settings.folder, file), target);
    if (note) await writeFile(`${target}.reason.txt`, `${note}\n`);
  }
}
