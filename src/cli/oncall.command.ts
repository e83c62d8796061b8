import type { Command } from 'commander';
import { onCallListSchema } from '../shared/oncall.schema.ts';
import { connect } from './config.ts';
import { note, outputOption, printData, printList, shortTime, type OutputFormat } from './output.ts';

/** One row of `ethos oncall`: a rotation of a schedule, who holds it and who is next. */
interface OnCallRow {
  team: string;
  schedule: string;
  rotation: string;
  level: number | null;
  user: string | null;
  override: boolean;
  until: string | null;
  next: string | null;
  nextFrom: string | null;
}

/** `ethos oncall`: who is on call now, per team, schedule and rotation. */
export function registerOnCallCommand(program: Command): void {
  program
    .command('oncall')
    .description('who is on call now, per team, schedule and rotation: until when, and who is next')
    .option('--team <team>', "only this team's schedules")
    .addOption(outputOption())
    .action(async (opts: { team?: string; output?: OutputFormat }) => {
      const api = await connect();
      const res = await api.request('GET', '/api/v1/oncall', { query: { team: opts.team }, schema: onCallListSchema });
      const format = opts.output ?? 'table';
      if (format !== 'table') return printData(res.items, format);
      if (!res.items.length) return note(opts.team ? `team "${opts.team}" has no on-call schedule` : 'no team has an on-call schedule');
      const rows: OnCallRow[] = res.items.flatMap((s) =>
        s.rotations.map((r) => ({
          team: s.team,
          schedule: s.schedule,
          rotation: r.rotation,
          level: r.level,
          user: r.current?.user ?? null,
          override: r.current?.override ?? false,
          until: r.current?.to ?? null,
          next: r.next[0]?.user ?? null,
          nextFrom: r.next[0]?.from ?? null,
        })),
      );
      printList(rows, [
        { header: 'team', value: (r) => r.team },
        { header: 'schedule', value: (r) => r.schedule },
        { header: 'rotation', value: (r) => r.rotation },
        { header: 'level', value: (r) => r.level ?? '-' },
        { header: 'on call', value: (r) => (r.user ? `${r.user}${r.override ? ' (override)' : ''}` : 'nobody') },
        { header: 'until', value: (r) => shortTime(r.until) },
        { header: 'next', value: (r) => r.next ?? '-' },
        { header: 'from', value: (r) => shortTime(r.nextFrom) },
      ]);
    });
}
