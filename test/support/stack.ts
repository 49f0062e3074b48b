import { afterAll, beforeAll } from 'vitest';
import { startTestApp, testConfig, type TestApp } from './app.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { startTestWorker } from './worker.ts';

/**
 * The real delivery path for one describe block: an app on a fresh database, a loopback
 * receiver and an in-process worker, started before its tests and torn down after them. Read the
 * fields inside tests (or a beforeAll), once they are set.
 */
export function deliveryStack(
  overrides: Record<string, string> = {},
  startReceiverOf: () => Promise<Receiver> = () => startReceiver(),
) {
  const stack = {} as { t: TestApp; receiver: Receiver; worker: { close(): Promise<void> } };
  beforeAll(async () => {
    stack.t = await startTestApp(testConfig(overrides));
    stack.receiver = await startReceiverOf();
    stack.worker = await startTestWorker(stack.t.config);
  });
  afterAll(async () => {
    await stack.worker.close();
    await stack.receiver.close();
    await stack.t.close();
  });
  return stack;
}
