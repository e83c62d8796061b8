import { Option } from 'commander';
import { stringify } from 'yaml';

/** The formats of `--output`. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
/** One format of `--output`. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A failure the CLI reports as `ethos: <message>` with a non-zero exit status. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The `-o, --output` option; without a default so each verb picks its natural one. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]);
}

/** Writes to standard output. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
}

/** Writes a note to standard error, so piped data stays clean. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Prints `data` as JSON or YAML. */
export function printData(data: unknown, format: 'json' | 'yaml'): void {
  print(format === 'json' ? JSON.stringify(data, null, 2) : stringify(data, { lineWidth: 0 }));
}

/** A table column: header and how to read the cell from a row. */
export interface Column<T> {
  header: string;
  value(row: T): string | number | boolean | null | undefined;
  /** Longer cells are cut with an ellipsis. */
  max?: number;
}

function cell(v: string | number | boolean | null | undefined, max?: number): string {
  if (v === null || v === undefined || v === '') return '-';
  const s = String(v).replace(/\s*\n\s*/g, ' ');
  return max && s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Renders rows as an aligned plain-text table with an upper-case header line. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r), c.max)));
  const header = columns.map((c) => c.header.toUpperCase());
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((v, i) => (i === row.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n') + '\n';
}

/** Prints a list as a table, or as JSON/YAML data. */
export function printList<T>(rows: readonly T[], columns: readonly Column<T>[], format: OutputFormat = 'table'): void {
  if (format === 'table') print(rows.length ? renderTable(rows, columns) : '');
  else printData(rows, format);
}

/** A timestamp shortened to the second, for tables. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace(/\.\d+Z$/, 'Z') : '-';
}
