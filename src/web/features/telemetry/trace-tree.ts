import type { SpanView } from './traces.api.ts';

/** A span in the waterfall: its depth in the tree and its place on the trace's time line. */
export interface WaterfallRow {
  span: SpanView;
  depth: number;
  /** Percent of the trace's duration before the span starts. */
  offset: number;
  /** Percent of the trace's duration the span lasts. */
  width: number;
}

export interface Waterfall {
  rows: WaterfallRow[];
  /** The earliest start, epoch milliseconds. */
  start: number;
  /** From the earliest start to the latest end, milliseconds. */
  durationMs: number;
  /** The trace's services, in order of first appearance (the colour of each is its index). */
  services: string[];
  /** The root span (the first without a parent in the trace). */
  root: SpanView | undefined;
}

/**
 * Orders a trace's spans as a tree: each span under its parent, siblings by start time. Spans whose
 * parent is missing (not sent, or not yet) are roots of their own.
 * @remarks Ids come from senders: a parent cycle or a span naming itself must not loop or lose
 * spans, so every span is placed exactly once.
 */
export function buildWaterfall(spans: SpanView[]): Waterfall {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, SpanView[]>();
  const roots: SpanView[] = [];
  for (const s of spans) {
    if (s.parentSpanId && s.parentSpanId !== s.spanId && byId.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else roots.push(s);
  }
  const byStart = (a: SpanView, b: SpanView) => a.start - b.start || a.spanId.localeCompare(b.spanId);
  const start = spans.length ? Math.min(...spans.map((s) => s.start)) : 0;
  const end = spans.length ? Math.max(...spans.map((s) => s.start + s.durationMs)) : 0;
  const durationMs = end - start;
  const pct = (ms: number) => (durationMs > 0 ? (ms / durationMs) * 100 : 0);

  const rows: WaterfallRow[] = [];
  const placed = new Set<SpanView>();
  const place = (s: SpanView, depth: number) => {
    // an explicit stack: a deep trace (thousands of nested spans) must not overflow the call stack
    const stack: [SpanView, number][] = [[s, depth]];
    while (stack.length) {
      const [span, d] = stack.pop()!;
      if (placed.has(span)) continue;
      placed.add(span);
      rows.push({ span, depth: d, offset: pct(span.start - start), width: durationMs > 0 ? pct(span.durationMs) : 100 });
      const kids = (children.get(span.spanId) ?? []).slice().sort(byStart);
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, d + 1]);
    }
  };
  for (const r of roots.sort(byStart)) place(r, 0);
  // spans in a parent cycle have no root: each cycle starts at its earliest span
  for (const s of spans.slice().sort(byStart)) if (!placed.has(s)) place(s, 0);

  const services: string[] = [];
  for (const r of rows) if (!services.includes(r.span.service)) services.push(r.span.service);
  return { rows, start, durationMs, services, root: roots[0] ?? rows[0]?.span };
}
