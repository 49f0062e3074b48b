import { writeFileSync } from 'node:fs';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openQueues } from '../src/delivery/queues.ts';
import { renderOpenApi } from '../src/openapi.ts';
import { openDatabase } from '../src/store/db.ts';

/** `npm run openapi`: regenerates openapi/openapi.json from the route schemas. */
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const db = openDatabase(config.databaseUrl, 1);
const queues = openQueues(config.redisUrl, config.redisPrefix);
const app = await buildApp({ config, db, queues, logger: false });
await app.ready();
writeFileSync(new URL('../openapi/openapi.json', import.meta.url), renderOpenApi(app));
await app.close();
await queues.close();
await db.close();
console.log('wrote openapi/openapi.json');
