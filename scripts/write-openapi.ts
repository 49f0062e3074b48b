import { writeFileSync } from 'node:fs';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { redisConnection } from '../src/redis.ts';
import { renderOpenApi } from '../src/openapi.ts';
import { openDatabase } from '../src/store/db.ts';

/** `npm run openapi`: regenerates openapi/openapi.json from the route schemas. */
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const db = openDatabase(config.databaseUrl, 1);
const redis = redisConnection(config.redisUrl, false);
const app = await buildApp({ config, db, redis, logger: false });
await app.ready();
writeFileSync(new URL('../openapi/openapi.json', import.meta.url), renderOpenApi(app));
await app.close();
redis.disconnect();
await db.close();
console.log('wrote openapi/openapi.json');
