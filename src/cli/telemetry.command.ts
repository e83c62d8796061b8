import type { Command } from 'commander';
import { z } from 'zod';
import { exceptionGroupSchema, exceptionStatusSchema, logSearchResultSchema, metricInfoSchema, metricQueryResultSchema, queryFunctionSchema, SEVERITY_LEVELS, type LogRecordView, type MetricQueryResult } from '../shared/telemetry.schema.ts';
import { apiPath } from './api-client.ts';
import { connect } from './config.ts';
import { collect, positiveInt } from './options.ts';
import { CliError, outputOption, print, printData, printList, renderTable, type Column, type OutputFormat } from './output.ts';

const metricListSchema = z.object({ items: z.array(metricInfoSchema) });

interface MetricsOptions {
  from?: string;
  to?: string;
  step?: number;
  instant?: boolean;
  fn?: string;
  by?: string;
  where: string[];
  output?: OutputFormat;
}

function formatValue(v: number | null): string {
  if (v === null) return '-';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Number(v.toPrecision(4)).toString();
}

function seriesName(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : 'value';
}

/** A query result as a table: one row per step, one column per series. */
export function renderQueryTable(r: MetricQueryResult): string {
  const rows = r.times.map((t, i) => ({ t, i }));
  const columns: Column<{ t: number; i: number }>[] = [
    { header: 'time', value: (row) => new Date(row.t).toISOString().replace(/\.000Z$/, 'Z') },
    ...r.series.map((s) => ({ header: seriesName(s.labels), value: (row: { i: number }) => formatValue(s.values[row.i] ?? null) })),
  ];
  return renderTable(rows, columns);
}

interface LogsOptions {
  since: string;
  severity?: string;
  query?: string;
  where: string[];
  trace?: string;
  limit: number;
  follow: boolean;
  interval: number;
  output?: OutputFormat;
}

/** One log line: time, level, service, body, then trace and attributes. */
export function formatLogLine(r: LogRecordView, withService: boolean): string {
  const attrs = Object.entries(r.attributes)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return [r.time, r.level.toUpperCase().padEnd(5), withService ? r.service : null, r.body, r.traceId ? `trace=${r.traceId}` : null, attrs || null].filter((x) => x !== null).join('  ');
}

/** `ethos metrics`: a service's metrics, or one metric over time. */
const exceptionListSchema = z.object({ items: z.array(exceptionGroupSchema) });

export function registerTelemetryCommands(program: Command): void {
  program
    .command('exceptions')
    .description("a service's exception groups, most recently seen first; with an id and --status, resolve, ignore or reopen one")
    .argument('<service>', 'service name')
    .argument('[id]', 'an exception group: show it (with its stack trace)')
    .option('--status <status>', `list only this status, or with an id set it: ${exceptionStatusSchema.options.join(', ')}`)
    .option('--since <time>', 'seen since (default now-7d)', 'now-7d')
    .addOption(outputOption())
    .action(async (service: string, id: string | undefined, opts: { status?: string; since: string; output?: OutputFormat }) => {
      if (opts.status && !exceptionStatusSchema.safeParse(opts.status).success) throw new CliError(`--status must be one of ${exceptionStatusSchema.options.join(', ')}`);
      const api = await connect();
      if (id) {
        const group = opts.status
          ? await api.request('PATCH', apiPath('/api/v1/telemetry/exceptions', id), { body: { status: opts.status }, schema: exceptionGroupSchema })
          : await api.request('GET', apiPath('/api/v1/telemetry/exceptions', id), { schema: exceptionGroupSchema });
        if (group.service !== service) throw new CliError(`exception group ${id} belongs to "${group.service}", not "${service}"`);
        if (opts.output === 'json' || opts.output === 'yaml') return printData(group, opts.output);
        print(group.title ? `#${group.id} ${group.title} (${group.type}: ${group.message})` : `#${group.id} ${group.type}: ${group.message}`);
        if (group.rule) print(`grouped by fingerprint rule ${group.rule.index + 1} ("${group.rule.group}") of ExceptionRules/${group.service}, revision ${group.rule.revision}`);
        print(`status ${group.status}${group.regressed ? ' (regressed)' : ''}, ${group.count} times, first ${new Date(group.firstSeen).toISOString()}, last ${new Date(group.lastSeen).toISOString()}`);
        if (group.versions.length) print(`versions: ${group.versions.map((v) => `${v.version} (${v.count})`).join(', ')}`);
        if (group.sample.traceId) print(`trace: ${group.sample.traceId}`);
        print(group.sample.stacktrace ? `\n${group.sample.stacktrace}` : '(no stack trace)');
        return;
      }
      const { items } = await api.request('GET', '/api/v1/telemetry/exceptions', { query: { service, status: opts.status, from: opts.since }, schema: exceptionListSchema });
      printList(
        items,
        [
          { header: 'id', value: (g) => g.id },
          { header: 'status', value: (g) => (g.regressed && g.status === 'unresolved' ? 'regressed' : g.status) },
          { header: 'count', value: (g) => g.count },
          { header: 'last seen', value: (g) => new Date(g.lastSeen).toISOString().replace(/\.\d+Z$/, 'Z') },
          { header: 'versions', value: (g) => g.versions.map((v) => v.version).join(','), max: 30 },
          { header: 'exception', value: (g) => g.title ?? `${g.type}: ${g.message}`, max: 80 },
        ],
        opts.output,
      );
    });


  program
    .command('logs')
    .description("a service's log records, oldest first; --follow keeps printing new ones")
    .argument('[service]', "service name (its OpenTelemetry service.name); all services when left out")
    .option('--since <time>', 'start: now-1h (default), now-15m, RFC 3339 or epoch milliseconds', 'now-1h')
    .option('--severity <level>', `at least this level: ${Object.keys(SEVERITY_LEVELS).join(', ')}`)
    .option('-q, --query <words>', 'only records whose body has all these words')
    .option('-w, --where <name=value>', 'only records with this attribute value (repeatable)', collect, [])
    .option('--trace <id>', 'only records of this trace (32 hex digits)')
    .option('--limit <n>', 'most records to print first (default 100)', positiveInt, 100)
    .option('-f, --follow', 'keep printing new records as they arrive (Ctrl-C stops)', false)
    .option('--interval <seconds>', 'how often --follow asks (default 2)', positiveInt, 2)
    .addOption(outputOption())
    .action(async (service: string | undefined, opts: LogsOptions) => {
      if (opts.severity && !(opts.severity in SEVERITY_LEVELS)) throw new CliError(`--severity must be one of ${Object.keys(SEVERITY_LEVELS).join(', ')}`);
      const api = await connect();
      const query = { service, from: opts.since, severity: opts.severity, q: opts.query, where: opts.where, trace: opts.trace };
      const page = await api.request('GET', '/api/v1/telemetry/logs', { query: { ...query, limit: opts.limit }, schema: logSearchResultSchema });
      const show = (items: LogRecordView[]) => {
        for (const r of items) print(opts.output === 'json' ? JSON.stringify(r) : formatLogLine(r, !service));
      };
      if (opts.output === 'yaml') return printData(page.items.slice().reverse(), 'yaml');
      // newest first from the server: printed oldest first, like a log file
      show(page.items.slice().reverse());
      if (!opts.follow) return;
      let last = page.items[0]?.id ?? 0;
      for (;;) {
        await new Promise((r) => setTimeout(r, opts.interval * 1000));
        const tail = await api.request('GET', '/api/v1/telemetry/logs', { query: { ...query, after: last, limit: 1000 }, schema: logSearchResultSchema });
        show(tail.items);
        last = tail.items.at(-1)?.id ?? last;
      }
    });


  program
    .command('metrics')
    .description("list a service's metrics, or query one over time (one row per step, one column per series)")
    .argument('<service>', 'service name (its OpenTelemetry service.name)')
    .argument('[metric]', 'metric name: query it')
    .option('--from <time>', 'start: now-1h (default), now-15m, RFC 3339 or epoch milliseconds')
    .option('--to <time>', 'end (default now)')
    .option('--step <seconds>', 'seconds per row (default: about 240 rows)', positiveInt)
    .option('--instant', 'one row: each series over the whole range (e.g. the p95 of the last 24 hours)')
    .option('--fn <function>', `${queryFunctionSchema.options.join(', ')} (default: rate for counters and histograms, avg for gauges)`)
    .option('--by <attributes>', 'group by these attributes (comma-separated)')
    .option('-w, --where <name=value>', 'only series with this attribute value (repeatable)', collect, [])
    .addOption(outputOption())
    .action(async (service: string, metric: string | undefined, opts: MetricsOptions) => {
      const api = await connect();
      if (!metric) {
        const { items } = await api.request('GET', apiPath('/api/v1/telemetry/services', service, 'metrics'), { schema: metricListSchema });
        if (!items.length && opts.output !== 'json' && opts.output !== 'yaml') throw new CliError(`no metrics from "${service}" yet: point its OpenTelemetry exporter at Ethos (see docs/telemetry.md)`);
        return printList(
          items,
          [
            { header: 'metric', value: (m) => m.name },
            { header: 'kind', value: (m) => m.kind },
            { header: 'unit', value: (m) => m.unit },
            { header: 'series', value: (m) => m.series },
            { header: 'description', value: (m) => m.description, max: 60 },
          ],
          opts.output,
        );
      }
      if (opts.fn && !queryFunctionSchema.safeParse(opts.fn).success) throw new CliError(`--fn must be one of ${queryFunctionSchema.options.join(', ')}`);
      const result = await api.request('GET', apiPath('/api/v1/telemetry/services', service, 'metrics', metric, 'query'), {
        query: { from: opts.from, to: opts.to, step: opts.instant ? undefined : opts.step, instant: opts.instant ? 'true' : undefined, fn: opts.fn, by: opts.by, where: opts.where },
        schema: metricQueryResultSchema,
      });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(result, opts.output);
      print(`${result.metric} (${result.kind}), ${result.fn} ${opts.instant ? 'over the range' : `per ${result.step / 1000} s`}`);
      print(result.series.length ? renderQueryTable(result) : 'no data in this range\n');
    });
}
