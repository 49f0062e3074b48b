import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './paths.ts';

/** The package version, sent as User-Agent: Switchboard/<version>. */
export const VERSION: string = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'),
).version;
