import type { ChildProcess } from 'node:child_process';

/** What a worker process sends its parent, when it has one, once it takes jobs and deliveries. */
export const WORKER_READY = 'switchboard-worker-ready';

/** Tells the parent process, if any (`npm start`, the bench), that this worker has started. */
export function announceWorkerReady(): void {
  process.send?.({ type: WORKER_READY });
}

export type WorkerStart = 'ready' | 'exited' | 'timeout';

/**
 * Resolves when `child` (a worker forked with an IPC channel) says it has started, or exits, or
 * `timeoutMs` has passed, whichever comes first, and says which.
 */
export function workerStarted(child: ChildProcess, timeoutMs: number): Promise<WorkerStart> {
  return new Promise((resolve) => {
    const done = (how: WorkerStart) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(how);
    };
    const onMessage = (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === WORKER_READY) done('ready');
    };
    const onExit = () => done('exited');
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
    if (child.exitCode !== null || child.signalCode !== null) done('exited');
  });
}
