/**
 * Golden files: committed expected output that a spec compares with what the code generates now.
 * `UPDATE_GOLDEN=1 npx jest --selectProjects rules` rewrites them; review the diff like code.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const updatingGolden = (): boolean => process.env.UPDATE_GOLDEN === '1';

/** Returns the committed text (writing `actual` first when updating). */
export function golden(path: string, actual: string): string | undefined {
  if (updatingGolden()) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
