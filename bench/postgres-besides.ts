/**
 * Prints, on stderr, what the local Postgres server holds and does besides a run (lib.ts,
 * postgresBesides), for scripts that start their own runs: `npx tsx bench/postgres-besides.ts
 * [own database …]`.
 */
import pg from 'pg';
import { postgresBesides } from './lib.ts';

const client = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
await client.connect();
try {
  process.stderr.write(
    `[postgres] besides this run: ${await postgresBesides(client, process.argv.slice(2))}\n`,
  );
} finally {
  await client.end();
}
