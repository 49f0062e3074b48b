import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The project's root (the directory of package.json): the same whether this runs from src/
 * under tsx or vitest, or from dist/src/ as built JavaScript.
 */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(import.meta.dirname);
