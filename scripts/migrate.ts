import { loadConfigOrExit } from '../src/config.ts';
import { createDatabase, migrate } from '../src/store/migrate.ts';

const { databaseUrl } = loadConfigOrExit();
await createDatabase(databaseUrl);
const applied = await migrate(databaseUrl);
console.log(
  applied.length ? `applied migrations: ${applied.join(', ')}` : 'database is up to date',
);
