import type { Attempt } from './types.ts';

/** A webhook's health mark from its recent attempts (newest first). */
export type Health = 'healthy' | 'degraded' | 'failing' | 'idle';

/** How many of the newest attempts the mark looks at. */
export const HEALTH_WINDOW = 20;

export function healthOf(attempts: Attempt[]): { mark: Health; successRate?: number } {
  const recent = attempts.slice(0, HEALTH_WINDOW);
  if (recent.length === 0) return { mark: 'idle' };
  const successRate = recent.filter((a) => a.result === 'success').length / recent.length;
  const mark = successRate >= 0.95 ? 'healthy' : successRate >= 0.5 ? 'degraded' : 'failing';
  return { mark, successRate };
}

export const HEALTH_TEXT: Record<Health, string> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  failing: 'Failing',
  idle: 'No recent attempts',
};

export interface Bucket {
  start: number;
  end: number;
  attempts: number;
  successes: number;
  meanLatencyMs: number;
}

/** Attempts grouped into `count` equal spans of time, oldest first (for the charts). */
export function bucketsOf(attempts: Attempt[], count = 12): Bucket[] {
  if (attempts.length === 0) return [];
  const times = attempts.map((a) => Date.parse(a.created));
  const first = Math.min(...times);
  const last = Math.max(...times) + 1;
  const span = Math.max(1, (last - first) / count);
  const buckets: Bucket[] = Array.from({ length: count }, (_, i) => ({
    start: first + i * span,
    end: first + (i + 1) * span,
    attempts: 0,
    successes: 0,
    meanLatencyMs: 0,
  }));
  attempts.forEach((a, i) => {
    const b = buckets[Math.min(count - 1, Math.floor((times[i] - first) / span))];
    b.meanLatencyMs = (b.meanLatencyMs * b.attempts + a.duration_ms) / (b.attempts + 1);
    b.attempts += 1;
    if (a.result === 'success') b.successes += 1;
  });
  return buckets;
}
