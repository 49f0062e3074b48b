import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A new database copied from the migrated template (CREATE DATABASE … TEMPLATE is a file copy:
 * milliseconds, not a migration run). Named after the template, so the run's teardown drops it.
 */
export async function copyOfTemplate(templateUrl: string): Promise<string> {
  const url = new URL(templateUrl);
  const template = decodeURIComponent(url.pathname.slice(1));
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await client.end();
  }
  url.pathname = `/${name}`;
  return url.toString();
}
