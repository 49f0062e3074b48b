import { loadConfigOrExit } from './config.ts';
import { onShutdown, startApi } from './server.ts';
import { connectAll, openDatabase } from './store/db.ts';
import { startWorker } from './worker.ts';

/** `npm start`: the API and one worker in one process (migrations were applied by npm start). */
const config = loadConfigOrExit();
const api = await startApi(config);
const workerDb = openDatabase(config.databaseUrl, 10, { asyncCommit: true });
await connectAll(workerDb.pool);
const worker = await startWorker(config, workerDb, api.app.log);
onShutdown(async () => {
  await api.close();
  await worker.close();
  await workerDb.close();
});
