/** A FindingsService over a data source, for specs and benchmarks that wire ReconciliationService by hand. */
import type { DataSource } from 'typeorm';
import { SecretRedactor } from '../../../backend/src/http/secret-redaction';
import { AuditRepository } from '../../../backend/src/modules/audit/audit.repository';
import { AuditService } from '../../../backend/src/modules/audit/audit.service';
import { FindingsRepository } from '../../../backend/src/modules/findings/findings.repository';
import { FindingsService } from '../../../backend/src/modules/findings/findings.service';

export function findingsServiceOver(
  dataSource: DataSource,
  findings = new FindingsRepository(dataSource),
): FindingsService {
  return new FindingsService(findings, new AuditService(new AuditRepository(dataSource), new SecretRedactor()));
}
