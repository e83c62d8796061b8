import { Anchor, Button, CloseButton, Group, Select, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput, UnstyledButton } from '@mantine/core';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { fetchNewerLogs, LEVELS, LOG_PAGE, logFilter, logSearchQuery, type LogFilter, type LogRecordView } from './logs.api.ts';
import { formatTimestamp } from './metric-format.ts';
import { LevelBadge, RANGE_LABELS, TimeRangeControl } from './telemetry-ui.tsx';
import { traceUrl } from './traces.api.ts';
import { useUrlText, withParams } from './url-params.ts';
import classes from './logs.module.css';

/** How often the live tail asks for new records. */
export const TAIL_INTERVAL_MS = 2000;
/** The live tail keeps at most this many new records on screen (the oldest go first). */
const MAX_TAIL = 2000;
/** Longer bodies are cut on screen until the reader asks for the whole. */
const BODY_PREVIEW = 2000;
const ATTRIBUTE_RE = /^[^=\s]+=.*$/;

/** One log record: time, level, (service,) body, a link to its trace, its attributes on demand. */
function LogRow({ record, showService, params }: { record: LogRecordView; showService: boolean; params: URLSearchParams }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const attributes = Object.entries(record.attributes).sort(([a], [b]) => a.localeCompare(b));
  const cut = record.body.length > BODY_PREVIEW && !open;
  const hasDetails = attributes.length > 0 || record.body.length > BODY_PREVIEW || !!record.spanId;
  return (
    <li className={classes.row}>
      <time dateTime={record.time} title={record.time} className={classes.time}>
        {formatTimestamp(record.time)}
      </time>
      <LevelBadge level={record.level} title={record.severityText ? `${record.severityText} (severity ${record.severity})` : `severity ${record.severity}`} />
      {showService && (
        <Anchor component={Link} to={{ search: withParams(params, { service: record.service }).toString() }} size="xs" className={classes.service} title={`Only ${record.service}`}>
          {record.service}
        </Anchor>
      )}
      <pre className={classes.body}>{cut ? `${record.body.slice(0, BODY_PREVIEW)}…` : record.body || <span className={classes.empty}>(empty)</span>}</pre>
      <Group gap={8} wrap="nowrap" className={classes.actions}>
        {record.traceId && (
          <Anchor component={Link} to={traceUrl(record.traceId, record.spanId)} size="xs" aria-label={`Trace ${record.traceId}`} title={`Trace ${record.traceId}`}>
            trace
          </Anchor>
        )}
        {hasDetails && (
          <UnstyledButton className={classes.toggle} aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}>
            {attributes.length === 1 ? '1 attribute' : attributes.length ? `${attributes.length} attributes` : 'details'}
          </UnstyledButton>
        )}
      </Group>
      {open && (
        <dl id={id} className={`facts ${classes.details}`}>
          {attributes.map(([k, v]) => (
            <div key={k} className={classes.fact}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
          {record.spanId && (
            <div className={classes.fact}>
              <dt>span id</dt>
              <dd>{record.spanId}</dd>
            </div>
          )}
        </dl>
      )}
    </li>
  );
}

/** New records the live tail brought for one filter (another filter starts empty). */
interface Tail {
  key: string;
  items: LogRecordView[];
  error: unknown;
}

/**
 * The records matching a filter, newest first, with "Load older"; with `live` it asks every 2 s for
 * records newer than the newest shown and puts them on top. While another filter's records load,
 * the previous ones stay on screen, dimmed.
 */
function LogResults({ filter, live, showService }: { filter: LogFilter; live: boolean; showService: boolean }) {
  const [params] = useSearchParams();
  const key = JSON.stringify(filter);
  const list = useInfiniteQuery({ ...logSearchQuery(filter), placeholderData: keepPreviousData });
  const current = list.isSuccess && !list.isPlaceholderData;
  const [tail, setTail] = useState<Tail>({ key, items: [], error: null });
  const tailItems = useMemo(() => (tail.key === key ? tail.items : []), [tail, key]);
  const tailError = tail.key === key ? tail.error : null;
  // the id the next poll asks after: the newest record of this filter seen so far
  const newest = useRef({ key, id: 0 });

  useEffect(() => {
    if (!current) return;
    const top = list.data.pages[0]?.items[0]?.id ?? 0;
    newest.current = { key, id: newest.current.key === key ? Math.max(newest.current.id, top) : top };
  }, [current, key, list.data]);

  useEffect(() => {
    if (!live || !current) return;
    const f = JSON.parse(key) as LogFilter;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const poll = async () => {
      let again = TAIL_INTERVAL_MS;
      // a hidden page asks nothing; it catches up when shown again
      if (document.visibilityState !== 'hidden') {
        try {
          const page = await fetchNewerLogs(f, newest.current.id, abort.signal);
          if (stopped) return;
          if (page.items.length) newest.current = { key, id: Math.max(newest.current.id, page.items.at(-1)!.id) };
          const fresh = page.items.slice().reverse();
          setTail((t) => ({ key, items: [...fresh, ...(t.key === key ? t.items : [])].slice(0, MAX_TAIL), error: null }));
          // a full page: more are waiting
          if (page.items.length === LOG_PAGE) again = 0;
        } catch (error) {
          if (stopped) return;
          setTail((t) => ({ key, items: t.key === key ? t.items : [], error }));
        }
      }
      timer = setTimeout(() => void poll(), again);
    };
    timer = setTimeout(() => void poll(), 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
    };
  }, [live, current, key]);

  // the tail and the pages meet at the newest record loaded first; a refetch may repeat some
  const records = useMemo(() => {
    const seen = new Set<number>();
    const all: LogRecordView[] = [];
    for (const r of [...tailItems, ...(list.data?.pages.flatMap((p) => p.items) ?? [])]) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      all.push(r);
    }
    return all.sort((a, b) => b.id - a.id);
  }, [tailItems, list.data]);

  if (!list.data) return list.error ? <ErrorState error={list.error} title="The log records could not be loaded" retry={() => void list.refetch()} /> : <PageLoader label="Loading log records" />;

  return (
    <Stack gap="xs">
      <Group justify="space-between" gap="xs">
        <Text size="xs" c="dimmed" role="status" aria-live="polite">
          {records.length === 1 ? '1 record' : `${records.length} records`}
          {tailItems.length > 0 && ` (${tailItems.length} new)`}
          {live && ' · live: new records appear at the top within 2 s'}
        </Text>
      </Group>
      {tailError !== null && <ErrorState error={tailError} title="The live tail could not ask for new records; it keeps trying" />}
      {records.length === 0 ? (
        live ? (
          <EmptyState title="Waiting for new records…">Nothing matches yet; new records matching the filters appear here within 2 seconds.</EmptyState>
        ) : (
          <EmptyState title={`No log records in the last ${RANGE_LABELS[filter.range]}`}>
            {filter.q || filter.severity || filter.where.length || filter.trace ? 'Try fewer words, a lower severity or fewer attribute filters, or a longer time range.' : 'Try a longer time range. Services send logs with OpenTelemetry’s OTLP exporter; records are kept 7 days.'}
          </EmptyState>
        )
      ) : (
        <ol className={classes.list} aria-label="Log records" aria-busy={list.isFetching} style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
          {records.map((r) => (
            <LogRow key={r.id} record={r} showService={showService} params={params} />
          ))}
        </ol>
      )}
      {list.hasNextPage && (
        <Group justify="center">
          <Button variant="default" size="xs" loading={list.isFetchingNextPage} disabled={list.isPlaceholderData} onClick={() => void list.fetchNextPage()}>
            Load older
          </Button>
        </Group>
      )}
      {list.isFetchNextPageError && <ErrorState error={list.error} title="Older records could not be loaded" retry={() => void list.fetchNextPage()} />}
    </Stack>
  );
}

/**
 * Log search: words, lowest severity, time range, attribute filters, one trace, and a live tail —
 * all in the address (`?q=…&severity=warn&range=6h&where=region=eu&live=1`). The Logs page lets the
 * reader pick a service; a service page's tab gives its own.
 */
export function LogsExplorer({ service }: { service?: string }) {
  const [params, setParams] = useSearchParams();
  const filter = logFilter(params, service);
  const live = params.get('live') === '1';
  const set = (changes: Record<string, string | string[] | null>) => setParams(withParams(params, changes), { replace: true });
  const [q, setQ] = useUrlText('q');
  const [serviceText, setServiceText] = useUrlText('service');
  const [whereError, setWhereError] = useState<string | null>(null);

  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 1, sm: 2, md: service ? 3 : 4 }} role="search" aria-label="Filter log records">
        {!service && <TextInput label="Service" placeholder="All services" value={serviceText} onChange={(e) => setServiceText(e.currentTarget.value)} spellCheck={false} autoComplete="off" />}
        <TextInput label="Search" placeholder="Words in the message" type="search" value={q} onChange={(e) => setQ(e.currentTarget.value)} />
        <Select
          label="Severity"
          placeholder="Any"
          clearable
          value={filter.severity}
          onChange={(v) => set({ severity: v })}
          data={LEVELS.map((l) => ({ value: l, label: l === 'fatal' ? 'fatal' : `${l} and above` }))}
        />
        <TagsInput
          label="Attributes"
          placeholder={filter.where.length ? '' : 'name=value, then Enter'}
          value={filter.where}
          error={whereError}
          onChange={(v) => {
            const bad = v.find((x) => !ATTRIBUTE_RE.test(x));
            setWhereError(bad ? `“${bad}” is not name=value` : null);
            set({ where: v.filter((x) => ATTRIBUTE_RE.test(x)) });
          }}
          clearable
        />
      </SimpleGrid>
      <Group gap="md" align="flex-end" wrap="wrap">
        <TimeRangeControl value={filter.range} onChange={(range) => set({ range })} />
        <Switch label="Live tail" title="Asks for new records every 2 seconds" checked={live} onChange={(e) => set({ live: e.currentTarget.checked ? '1' : null })} />
        {filter.trace && (
          <Group gap={4} className={classes.traceFilter}>
            <Text size="sm">
              Records of trace{' '}
              <Anchor component={Link} to={traceUrl(filter.trace)} className={classes.mono}>
                {filter.trace}
              </Anchor>
            </Text>
            <CloseButton size="sm" aria-label="Show every trace’s records" onClick={() => set({ trace: null })} />
          </Group>
        )}
      </Group>
      <LogResults filter={filter} live={live} showService={!service} />
    </Stack>
  );
}
