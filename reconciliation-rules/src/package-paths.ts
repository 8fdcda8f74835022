/** Where the package's data files live, from source (jest, tsx) and from dist alike. */
import { join } from 'node:path';

export const RULES_PACKAGE_ROOT = join(__dirname, '..');
export const DEFAULT_RULES_DIR = join(RULES_PACKAGE_ROOT, 'rules');
export const DEFAULT_OWNERSHIP_FILE = join(RULES_PACKAGE_ROOT, 'ownership.yaml');
export const DEFAULT_FIXTURES_DIR = join(RULES_PACKAGE_ROOT, 'fixtures');
