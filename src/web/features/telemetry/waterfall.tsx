import { Badge, Button, Code, ColorSwatch, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { formatDuration, formatTimestamp } from './metric-format.ts';
import { serviceColor, StatusBadge } from './telemetry-ui.tsx';
import { buildWaterfall, type WaterfallRow } from './trace-tree.ts';
import type { SpanView } from './traces.api.ts';
import classes from './waterfall.module.css';

/** Rows drawn at first: a trace of thousands of spans shows its start at once, the rest on demand. */
const FIRST_ROWS = 1000;
const TICKS = [0, 0.25, 0.5, 0.75, 1];

const rowId = (spanId: string) => `span-${spanId}`;

/** Attributes as a two-column table, by name. */
export function Attributes({ attributes, label }: { attributes: Record<string, string>; label: string }) {
  const entries = Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return null;
  return (
    <Table aria-label={label} withRowBorders={false} verticalSpacing={2} fz="xs" className={classes.attributes}>
      <Table.Tbody>
        {entries.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th scope="row" fw={500}>
              {k}
            </Table.Th>
            <Table.Td>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** A span's event; an exception shows its type, message and stack trace. */
function SpanEvent({ event, traceStart }: { event: SpanView['events'][number]; traceStart: number }) {
  const { 'exception.type': type, 'exception.message': message, 'exception.stacktrace': stack, ...rest } = event.attributes;
  const exception = event.name === 'exception';
  return (
    <li className={classes.event}>
      <Group gap="xs" align="baseline">
        <Text size="sm" fw={600} c={exception ? 'red' : undefined}>
          {event.name || '(unnamed event)'}
        </Text>
        <Text size="xs" c="dimmed">
          at +{formatDuration(event.t - traceStart)}
        </Text>
      </Group>
      {exception ? (
        <Stack gap={4} mt={4}>
          {(type || message) && (
            <Text size="sm" className={classes.exception}>
              {type && <strong>{type}</strong>}
              {type && message && ': '}
              {message}
            </Text>
          )}
          {stack && (
            <Code block className={classes.stack} aria-label="Stack trace">
              {stack}
            </Code>
          )}
          <Attributes attributes={rest} label={`Attributes of event ${event.name}`} />
        </Stack>
      ) : (
        <Attributes attributes={event.attributes} label={`Attributes of event ${event.name}`} />
      )}
    </li>
  );
}

/** Everything about one span: where it sits, its status and message, attributes and events. */
function SpanDetails({ span, traceStart, id }: { span: SpanView; traceStart: number; id: string }) {
  return (
    <section id={id} className={classes.details} aria-label={`Span ${span.name}`}>
      <Stack gap="sm">
        <dl className="facts">
          <dt>Service</dt>
          <dd>{span.service}</dd>
          <dt>Kind</dt>
          <dd>{span.kind}</dd>
          <dt>Status</dt>
          <dd>
            <Group gap="xs">
              <StatusBadge status={span.status} />
              {span.statusMessage && <span className="pre-wrap">{span.statusMessage}</span>}
            </Group>
          </dd>
          <dt>Start</dt>
          <dd>
            {formatTimestamp(span.start)} (+{formatDuration(span.start - traceStart)})
          </dd>
          <dt>Duration</dt>
          <dd>{formatDuration(span.durationMs)}</dd>
          {span.route && (
            <>
              <dt>Route</dt>
              <dd>{span.route}</dd>
            </>
          )}
          <dt>Span id</dt>
          <dd className={classes.mono}>{span.spanId}</dd>
          <dt>Parent</dt>
          <dd className={classes.mono}>{span.parentSpanId ?? '— (a root span)'}</dd>
        </dl>
        {Object.keys(span.attributes).length > 0 && (
          <div>
            <Title order={3} fz="sm" mb={4}>
              Attributes
            </Title>
            <Attributes attributes={span.attributes} label={`Attributes of ${span.name}`} />
          </div>
        )}
        {span.events.length > 0 && (
          <div>
            <Title order={3} fz="sm" mb={4}>
              Events
            </Title>
            <ul className={classes.events} aria-label={`Events of ${span.name}`}>
              {span.events.map((e, i) => (
                <SpanEvent key={i} event={e} traceStart={traceStart} />
              ))}
            </ul>
          </div>
        )}
      </Stack>
    </section>
  );
}

/** One span's row: its name indented under its parent, and its bar on the trace's time line. */
function SpanRow({ row, color, traceStart, durationMs, open, onToggle }: { row: WaterfallRow; color: string; traceStart: number; durationMs: number; open: boolean; onToggle(): void }) {
  const { span, depth } = row;
  const error = span.status === 'error';
  return (
    <li className={classes.item} data-depth={depth} data-status={span.status}>
      <button type="button" id={rowId(span.spanId)} className={classes.row} aria-expanded={open} aria-controls={open ? `${rowId(span.spanId)}-details` : undefined} onClick={onToggle} data-span>
        <span className={classes.name} style={{ paddingInlineStart: Math.min(depth, 24) * 14 }}>
          <span className="visually-hidden">level {depth + 1}, </span>
          <span className={classes.swatch} style={{ background: color }} aria-hidden />
          <span className={classes.service}>{span.service}</span> <span className={classes.spanName}>{span.name}</span>
          {error && (
            <Badge color="red" variant="filled" size="xs" ml={6} className="keep-width">
              error
            </Badge>
          )}
        </span>
        <span className={classes.track} aria-hidden>
          <span className={`${classes.bar} ${error ? classes.errorBar : ''}`} style={{ left: `${row.offset}%`, width: `${row.width}%`, background: color }} />
          {durationMs > 0 &&
            span.events.map((e, i) => (
              <span key={i} className={`${classes.mark} ${e.name === 'exception' ? classes.exceptionMark : ''}`} style={{ left: `${Math.min(100, Math.max(0, ((e.t - traceStart) / durationMs) * 100))}%` }} title={e.name} />
            ))}
        </span>
        <span className={classes.duration}>{formatDuration(span.durationMs)}</span>
      </button>
      {open && <SpanDetails span={span} traceStart={traceStart} id={`${rowId(span.spanId)}-details`} />}
    </li>
  );
}

/** Arrow keys, Home and End move between the rows' buttons. */
function moveFocus(e: KeyboardEvent<HTMLOListElement>) {
  const keys = ['ArrowDown', 'ArrowUp', 'Home', 'End'];
  if (!keys.includes(e.key)) return;
  const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button[data-span]')];
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (at < 0) return;
  const next = e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : Math.min(buttons.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)));
  e.preventDefault();
  buttons[next]?.focus();
}

/**
 * A trace as a waterfall: one row per span, children under their parent, each bar placed and sized
 * by its start and duration within the trace and coloured by service; error spans are marked. A
 * row opens the span's details (`selected`, kept in the address by the page).
 */
export function Waterfall({ spans, selected, onSelect }: { spans: SpanView[]; selected: string | null; onSelect(spanId: string | null): void }) {
  const tree = useMemo(() => buildWaterfall(spans), [spans]);
  const [all, setAll] = useState(false);
  const colors = useMemo(() => new Map(tree.services.map((s, i) => [s, serviceColor(i)])), [tree.services]);
  const selectedAt = selected ? tree.rows.findIndex((r) => r.span.spanId === selected) : -1;
  const shown = all || selectedAt >= FIRST_ROWS ? tree.rows : tree.rows.slice(0, FIRST_ROWS);

  // a link to a span (from a log line) shows its row when the page opens
  const [linked] = useState(selected);
  useEffect(() => {
    if (linked) document.getElementById(rowId(linked))?.scrollIntoView?.({ block: 'nearest' });
  }, [linked]);

  return (
    <Stack gap="xs">
      <Group gap="md" aria-label="Services" role="list">
        {tree.services.map((s) => (
          <Group key={s} gap={6} role="listitem">
            <ColorSwatch color={colors.get(s)!} size={12} aria-hidden />
            <Text size="sm">{s}</Text>
          </Group>
        ))}
      </Group>
      <div className={classes.waterfall}>
        <div className={classes.axis} aria-hidden>
          <span className={classes.name}>Span</span>
          <span className={classes.track}>
            {TICKS.map((f) => (
              <span key={f} className={classes.tick} style={{ left: `${f * 100}%` }} data-edge={f === 0 ? 'start' : f === 1 ? 'end' : undefined}>
                {formatDuration(tree.durationMs * f)}
              </span>
            ))}
          </span>
          <span className={classes.duration}>Duration</span>
        </div>
        <ol className={classes.rows} aria-label="Spans" onKeyDown={moveFocus}>
          {shown.map((row) => (
            <SpanRow
              key={row.span.spanId}
              row={row}
              color={colors.get(row.span.service)!}
              traceStart={tree.start}
              durationMs={tree.durationMs}
              open={row.span.spanId === selected}
              onToggle={() => onSelect(row.span.spanId === selected ? null : row.span.spanId)}
            />
          ))}
        </ol>
      </div>
      {shown.length < tree.rows.length && (
        <Group justify="center">
          <Button variant="default" size="xs" onClick={() => setAll(true)}>
            Show all {tree.rows.length} spans
          </Button>
        </Group>
      )}
    </Stack>
  );
}
