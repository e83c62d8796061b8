import { describe, expect, it } from 'vitest';
import { buildWaterfall } from './trace-tree.ts';
import type { SpanView } from './traces.api.ts';

function span(spanId: string, parentSpanId: string | null, start: number, durationMs: number): SpanView {
  return { traceId: 'a'.repeat(32), spanId, parentSpanId, service: 's', name: spanId, kind: 'internal', start, durationMs, status: 'unset', statusMessage: '', route: null, attributes: {}, events: [] };
}
const order = (spans: SpanView[]) => buildWaterfall(spans).rows.map((r) => [r.span.spanId, r.depth]);

describe('the waterfall of a trace', () => {
  it('puts children under their parent, siblings by start, and places bars in percent of the trace', () => {
    const w = buildWaterfall([span('c', 'a', 1010, 10), span('a', null, 1000, 100), span('b', 'a', 1005, 50), span('d', 'b', 1020, 5)]);
    expect(w.rows.map((r) => [r.span.spanId, r.depth, r.offset, r.width])).toEqual([
      ['a', 0, 0, 100],
      ['b', 1, 5, 50],
      ['d', 2, 20, 5],
      ['c', 1, 10, 10],
    ]);
    expect(w.root?.spanId).toBe('a');
    expect(w.durationMs).toBe(100);
  });

  it('shows a span whose parent never arrived as a root of its own', () => {
    expect(order([span('a', null, 0, 10), span('x', 'missing', 5, 1)])).toEqual([
      ['a', 0],
      ['x', 0],
    ]);
  });

  it('places every span once, even in a parent cycle or naming itself as parent', () => {
    expect(order([span('p', 'q', 2, 1), span('q', 'p', 1, 1), span('self', 'self', 3, 1)])).toEqual([
      ['self', 0],
      ['q', 0],
      ['p', 1],
    ]);
  });
});
