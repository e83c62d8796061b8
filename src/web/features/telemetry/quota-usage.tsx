import { Alert, Badge, Button, Group, Progress, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import { useMe } from '../../app/session.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { quotaQuery, type QuotaView } from './quotas.api.ts';
import classes from './quotas.module.css';

/** One of the three things a team's quota limits. */
export type QuotaMeasure = keyof QuotaView['limits'];
/** The body of PUT /api/v1/telemetry/quotas/{team}: a number, or null for the default. */
type QuotaOverrides = QuotaView['overrides'];

/** The measures in the order the UI lists them, with how a reader names them. */
export const QUOTA_MEASURES: { key: QuotaMeasure; label: string; unit: string }[] = [
  { key: 'activeSeries', label: 'Active series', unit: 'series' },
  { key: 'logRecordsPerSecond', label: 'Log records per second', unit: 'records/s' },
  { key: 'spansPerSecond', label: 'Spans per second', unit: 'spans/s' },
];

/** Usage is asked again this often: the rates are those of the last full second. */
const REFRESH_MS = 10_000;

/** One team's quota, asked again every few seconds. */
export function useQuota(team: string) {
  return useQuery({ ...quotaQuery(team), refetchInterval: REFRESH_MS });
}

/** Sets a team's limits (admins); the answer replaces the cached view. */
function useSetQuota(team: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (overrides: QuotaOverrides) => api<QuotaView>(`/telemetry/quotas/${encodeURIComponent(team)}`, { method: 'PUT', body: overrides }),
    onSuccess: (view) => qc.setQueryData(quotaQuery(team).queryKey, view),
  });
}

/** How close usage is to its limit: `near` from 80 %, `over` at or past it (a rate at its limit is being cut). */
type UsageLevel = 'ok' | 'near' | 'over';

/** The share of the limit used, in percent (over 100 when past it; a limit of 0 is always full). */
function usagePercent(used: number, limit: number): number {
  return limit > 0 ? (used / limit) * 100 : 100;
}

function usageLevel(used: number, limit: number): UsageLevel {
  const pct = usagePercent(used, limit);
  return pct >= 100 ? 'over' : pct >= 80 ? 'near' : 'ok';
}

const count = new Intl.NumberFormat();

const LEVEL_COLORS: Record<UsageLevel, string> = { ok: 'teal', near: 'yellow', over: 'red' };

/** What a reader is told besides the colour: near the limit, or at it (and what that means). */
function levelNote(level: UsageLevel, measure: QuotaMeasure): string | null {
  if (level === 'near') return 'Near the limit';
  if (level === 'over') return measure === 'activeSeries' ? 'At the limit: new series are rejected' : 'At the limit: more is rejected';
  return null;
}

/** A percentage for a reader: "0.5 %", "42 %". */
function formatPercent(pct: number): string {
  return `${pct > 0 && pct < 1 ? pct.toFixed(1) : Math.round(pct)} %`;
}

/** The bar of one measure: its colour says how close usage is to the limit. */
export function UsageBar({ used, limit, label, size = 'md' }: { used: number; limit: number; label: string; size?: 'xs' | 'md' }) {
  const pct = usagePercent(used, limit);
  return <Progress value={Math.min(100, pct)} color={LEVEL_COLORS[usageLevel(used, limit)]} size={size} aria-label={`${label}: ${formatPercent(pct)} of the limit`} />;
}

/** Whether a limit is the server's default or one an admin set for the team. */
export function LimitSource({ custom }: { custom: boolean }) {
  return !custom ? (
    <Badge variant="outline" color="gray" size="sm">
      default
    </Badge>
  ) : (
    <Badge variant="light" color="blue" size="sm">
      set by an admin
    </Badge>
  );
}

/** One measure of a team's quota: usage of limit, the bar, and where the limit comes from. */
function QuotaMeter({ view, measure }: { view: QuotaView; measure: (typeof QUOTA_MEASURES)[number] }) {
  const used = view.usage[measure.key];
  const limit = view.limits[measure.key];
  const level = usageLevel(used, limit);
  const note = levelNote(level, measure.key);
  return (
    <Stack gap={6} role="group" aria-label={measure.label} data-measure={measure.key}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm" fw={600}>
          {measure.label}
        </Text>
        <LimitSource custom={view.overrides[measure.key] !== null} />
      </Group>
      <Text size="sm" className={classes.number} data-usage>
        {count.format(used)} of {count.format(limit)} {measure.unit}
      </Text>
      <UsageBar used={used} limit={limit} label={measure.label} />
      {note && (
        <Text size="xs" c={LEVEL_COLORS[level]} fw={500}>
          {note}
        </Text>
      )}
    </Stack>
  );
}

/** The text of a limit in the form: its override, or empty for the default. */
const fieldText = (v: number | null) => (v === null ? '' : String(v));

/** A field's text as a limit: null when empty (the default), NaN when it is not a whole number. */
function parseLimit(text: string): number | null {
  const v = text.replace(/[\s,_]/g, '');
  if (!v) return null;
  return /^-?\d+$/.test(v) ? Number(v) : NaN;
}

/**
 * Sets a team's limits (PUT /api/v1/telemetry/quotas/{team}). An empty field puts the default
 * back. Only "is it a whole number" is checked here: the server's validation has the last word
 * and its message shows on the field.
 */
function QuotaForm({ view, onDone }: { view: QuotaView; onDone(): void }) {
  const save = useSetQuota(view.team);
  const [texts, setTexts] = useState<Record<QuotaMeasure, string>>({
    activeSeries: fieldText(view.overrides.activeSeries),
    logRecordsPerSecond: fieldText(view.overrides.logRecordsPerSecond),
    spansPerSecond: fieldText(view.overrides.spansPerSecond),
  });
  const [checked, setChecked] = useState(false);
  const values = Object.fromEntries(QUOTA_MEASURES.map((m) => [m.key, parseLimit(texts[m.key])])) as QuotaOverrides;
  const serverIssue = (key: QuotaMeasure) =>
    save.error instanceof ApiError
      ? save.error.issues
          .filter((i) => i.path === `/${key}`)
          .map((i) => i.message)
          .join('; ') || undefined
      : undefined;
  const problem = (key: QuotaMeasure) => (checked && Number.isNaN(values[key]) ? 'Enter a whole number, or leave it empty for the default.' : serverIssue(key));
  const fieldProblems = QUOTA_MEASURES.some((m) => problem(m.key));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (QUOTA_MEASURES.some((m) => Number.isNaN(values[m.key]))) return;
    save.mutate(values, {
      onSuccess: () => {
        notifications.show({ color: 'green', title: 'Limits saved', message: `The telemetry limits of ${view.team} apply within 10 seconds.` });
        onDone();
      },
    });
  };
  return (
    <form onSubmit={submit} noValidate aria-label={`Edit the limits of ${view.team}`}>
      <Stack gap="sm">
        {save.error && !fieldProblems && (
          <Alert color="red" role="alert" title="The limits were not saved">
            {errorMessage(save.error)}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          {QUOTA_MEASURES.map((m) => (
            <TextInput
              key={m.key}
              label={m.label}
              inputMode="numeric"
              placeholder={view.overrides[m.key] === null ? `default: ${count.format(view.limits[m.key])}` : 'default'}
              description="Empty: the default"
              value={texts[m.key]}
              error={problem(m.key)}
              onChange={(e) => {
                const text = e.currentTarget.value;
                setTexts((t) => ({ ...t, [m.key]: text }));
                save.reset();
              }}
            />
          ))}
        </SimpleGrid>
        <Group gap="xs">
          <Button type="submit" size="xs" loading={save.isPending}>
            Save limits
          </Button>
          <Button size="xs" variant="default" onClick={onDone} disabled={save.isPending}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * A team's telemetry usage against its limits, asked again every 10 seconds; admins may edit the
 * limits (the server refuses anyone else).
 */
export function TeamQuotaPanel({ team, columns = 3 }: { team: string; columns?: 1 | 3 }) {
  const me = useMe();
  const quota = useQuota(team);
  const [editing, setEditing] = useState(false);
  if (quota.isPending) return <PageLoader label="Loading the usage" />;
  if (quota.error) return <ErrorState error={quota.error} title="The usage could not be read" retry={() => void quota.refetch()} />;
  const view = quota.data;
  return (
    <Stack gap="md">
      <SimpleGrid cols={columns === 1 ? 1 : { base: 1, sm: 3 }} spacing="lg">
        {QUOTA_MEASURES.map((m) => (
          <QuotaMeter key={m.key} view={view} measure={m} />
        ))}
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        Active series: the series of the team’s services now. Rates: what was accepted in the last full second.
      </Text>
      {me.user.admin &&
        (editing ? (
          <QuotaForm view={view} onDone={() => setEditing(false)} />
        ) : (
          <div>
            <Button size="xs" variant="light" onClick={() => setEditing(true)}>
              Edit limits
            </Button>
          </div>
        ))}
    </Stack>
  );
}
