import type { FastifyBaseLogger } from 'fastify';

export interface Periodic {
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs` — never two at once, never keeping the process alive — and logs
 * a failed pass instead of crashing: the next pass tries again.
 */
export function runEvery(
  name: string,
  intervalMs: number,
  task: () => Promise<void>,
  log: Pick<FastifyBaseLogger, 'warn'>,
): Periodic {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = task()
      .catch((err: Error) => log.warn({ err: err.message }, `${name} pass failed; will retry`))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
