import { loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/store/migrate.ts';

const { databaseUrl } = loadConfig();
console.log((await createDatabase(databaseUrl)) ? 'database created' : 'database exists');
