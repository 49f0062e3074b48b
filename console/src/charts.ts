import { h, svg } from './dom.ts';
import type { Bucket } from './health.ts';

const W = 320;
const H = 120;
const PAD = 28;

/**
 * A small bar chart over time, in plain SVG. Its numbers are also given as a table for screen
 * readers (the SVG itself is one labelled image).
 */
function barChart(
  title: string,
  buckets: Bucket[],
  value: (b: Bucket) => number | null,
  max: number,
  format: (v: number) => string,
): HTMLElement {
  const present = buckets.filter((b) => value(b) !== null);
  const width = (W - PAD) / Math.max(1, buckets.length);
  const bars = buckets.map((b, i) => {
    const v = value(b);
    if (v === null) return null;
    const height = max > 0 ? (v / max) * (H - PAD) : 0;
    return svg(
      'rect',
      {
        x: PAD + i * width + 1,
        y: H - PAD / 2 - height,
        width: Math.max(1, width - 2),
        height: Math.max(1, height),
        class: 'bar',
      },
      svg('title', {}, `${new Date(b.start).toLocaleTimeString()}: ${format(v)}`),
    );
  });
  const summary =
    present.length === 0
      ? 'no attempts'
      : `${present.length} periods, last ${format(value(present[present.length - 1]) ?? 0)}`;
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, title),
    svg(
      'svg',
      { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${title}: ${summary}` },
      svg('line', { x1: PAD, y1: H - PAD / 2, x2: W, y2: H - PAD / 2, class: 'axis' }),
      svg('text', { x: 0, y: 12, class: 'tick' }, format(max)),
      svg('text', { x: 0, y: H - PAD / 2, class: 'tick' }, format(0)),
      bars,
    ),
    h(
      'table',
      { class: 'visually-hidden' },
      h('caption', {}, title),
      h('tr', {}, h('th', { scope: 'col' }, 'from'), h('th', { scope: 'col' }, 'value')),
      present.map((b) =>
        h(
          'tr',
          {},
          h('td', {}, new Date(b.start).toLocaleString()),
          h('td', {}, format(value(b)!)),
        ),
      ),
    ),
  );
}

export function successRateChart(buckets: Bucket[]): HTMLElement {
  return barChart(
    'Success rate over time',
    buckets,
    (b) => (b.attempts ? b.successes / b.attempts : null),
    1,
    (v) => `${Math.round(v * 100)}%`,
  );
}

export function latencyChart(buckets: Bucket[]): HTMLElement {
  const max = Math.max(1, ...buckets.map((b) => b.meanLatencyMs));
  return barChart(
    'Mean latency over time',
    buckets,
    (b) => (b.attempts ? b.meanLatencyMs : null),
    max,
    (v) => `${Math.round(v)} ms`,
  );
}
