import type { Command } from 'commander';
import { z } from 'zod';
import { metricInfoSchema, metricQueryResultSchema, queryFunctionSchema, type MetricQueryResult } from '../shared/telemetry.schema.ts';
import { apiPath } from './api-client.ts';
import { connect } from './config.ts';
import { collect, positiveInt } from './options.ts';
import { CliError, outputOption, print, printData, printList, renderTable, type Column, type OutputFormat } from './output.ts';

const metricListSchema = z.object({ items: z.array(metricInfoSchema) });

interface MetricsOptions {
  from?: string;
  to?: string;
  step?: number;
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

/** `ethos metrics`: a service's metrics, or one metric over time. */
export function registerTelemetryCommands(program: Command): void {
  program
    .command('metrics')
    .description("list a service's metrics, or query one over time (one row per step, one column per series)")
    .argument('<service>', 'service name (its OpenTelemetry service.name)')
    .argument('[metric]', 'metric name: query it')
    .option('--from <time>', 'start: now-1h (default), now-15m, RFC 3339 or epoch milliseconds')
    .option('--to <time>', 'end (default now)')
    .option('--step <seconds>', 'seconds per row (default: about 240 rows)', positiveInt)
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
        query: { from: opts.from, to: opts.to, step: opts.step, fn: opts.fn, by: opts.by, where: opts.where },
        schema: metricQueryResultSchema,
      });
      if (opts.output === 'json' || opts.output === 'yaml') return printData(result, opts.output);
      print(`${result.metric} (${result.kind}), ${result.fn} per ${result.step / 1000} s`);
      print(result.series.length ? renderQueryTable(result) : 'no data in this range\n');
    });
}
