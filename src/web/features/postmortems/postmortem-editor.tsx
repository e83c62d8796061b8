import { ActionIcon, Alert, Button, Card, Group, List, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { POSTMORTEM_SECTIONS, SECTION_LABELS, type PostmortemSection } from '../../../shared/postmortem-sections.ts';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import { BlamelessHints } from './postmortem-parts.tsx';
import { namesQuery, postmortemQuery, refreshPostmortems, type PostmortemDetail } from './postmortems.api.ts';

/** A row of an editable list, with a key that survives edits and removals. */
type Keyed<T> = T & { key: number };

/** A field's server-side problems, by the path the API names (`/timeline/0/at`). */
function issuesAt(error: unknown, prefix: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const found = error.issues.filter((i) => i.path === prefix || i.path.startsWith(`${prefix}/`)).map((i) => i.message);
  return found.length ? found.join('; ') : undefined;
}

/**
 * The postmortem editor: title, times, every section with live blameless hints beside it, the
 * timeline and the supporting links. Save sends what changed with the revision it started from, so
 * an edit made meanwhile by someone else is not overwritten (the server answers 409).
 */
export function PostmortemEditor({ postmortem, onDone }: { postmortem: PostmortemDetail; onDone(): void }) {
  const queryClient = useQueryClient();
  const names = useQuery(namesQuery()).data?.names ?? [];
  const nextKey = useRef(0);
  const keyed = <T,>(rows: T[]): Keyed<T>[] => rows.map((r) => ({ ...r, key: nextKey.current++ }));
  const [title, setTitle] = useState(postmortem.title);
  const [sections, setSections] = useState<Record<PostmortemSection, string>>(() => Object.fromEntries(POSTMORTEM_SECTIONS.map((s) => [s, postmortem[s]])) as Record<PostmortemSection, string>);
  const [startedAt, setStartedAt] = useState(postmortem.startedAt ?? '');
  const [resolvedAt, setResolvedAt] = useState(postmortem.resolvedAt ?? '');
  const [timeline, setTimeline] = useState(() => keyed(postmortem.timeline));
  const [links, setLinks] = useState(() => keyed(postmortem.links));

  const patch: Record<string, unknown> = {};
  if (title.trim() !== postmortem.title) patch.title = title.trim();
  for (const s of POSTMORTEM_SECTIONS) if (sections[s].trim() !== postmortem[s]) patch[s] = sections[s].trim();
  if (startedAt.trim() !== (postmortem.startedAt ?? '')) patch.startedAt = startedAt.trim() || null;
  if (resolvedAt.trim() !== (postmortem.resolvedAt ?? '')) patch.resolvedAt = resolvedAt.trim() || null;
  const entries = timeline.map(({ at, text }) => ({ at: at.trim(), text: text.trim() }));
  // entries keep the order they are given; sorted by time when every time is readable
  const sorted = entries.every((e) => !Number.isNaN(Date.parse(e.at))) ? [...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)) : entries;
  if (JSON.stringify(sorted) !== JSON.stringify(postmortem.timeline)) patch.timeline = sorted;
  const linkRows = links.map(({ title: t, url }) => ({ title: t.trim(), url: url.trim() }));
  if (JSON.stringify(linkRows) !== JSON.stringify(postmortem.links)) patch.links = linkRows;
  const changed = Object.keys(patch).length > 0;

  const save = useMutation({
    mutationFn: () => api<PostmortemDetail>(`/postmortems/${postmortem.id}`, { method: 'PATCH', body: { ...patch, baseRevision: postmortem.revision } }),
    onSuccess: async (updated) => {
      queryClient.setQueryData(postmortemQuery(postmortem.id).queryKey, updated);
      await refreshPostmortems(queryClient);
      notifications.show({ color: 'green', title: 'Saved', message: `Revision ${updated.revision} of postmortem #${updated.id}.` });
      onDone();
    },
  });
  const stale = save.error instanceof ApiError && save.error.code === 'POSTMORTEM_STALE';

  return (
    <Card
      withBorder
      component="form"
      aria-label="Edit the postmortem"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack gap="md">
        <TextInput label="Title" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={200} error={issuesAt(save.error, '/title')} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Impact started" description="Date and time, e.g. 2026-06-01T12:00:00Z" value={startedAt} onChange={(e) => setStartedAt(e.currentTarget.value)} error={issuesAt(save.error, '/startedAt')} />
          <TextInput label="Service restored" description="Date and time, e.g. 2026-06-01T12:20:00Z" value={resolvedAt} onChange={(e) => setResolvedAt(e.currentTarget.value)} error={issuesAt(save.error, '/resolvedAt')} />
        </SimpleGrid>
        {POSTMORTEM_SECTIONS.map((s) => (
          <SimpleGrid key={s} cols={{ base: 1, md: 2 }} spacing="md">
            <Textarea
              label={SECTION_LABELS[s].label}
              description={SECTION_LABELS[s].hint}
              autosize
              minRows={s === 'summary' ? 3 : 2}
              maxLength={20_000}
              value={sections[s]}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setSections((prev) => ({ ...prev, [s]: value }));
              }}
              error={issuesAt(save.error, `/${s}`)}
            />
            <div style={{ paddingTop: 44 }}>
              <BlamelessHints text={sections[s]} names={names} label={SECTION_LABELS[s].label} />
            </div>
          </SimpleGrid>
        ))}

        <section aria-label="Edit the timeline">
          <Title order={3} fz="md" mb={4}>
            Timeline
          </Title>
          <Text size="xs" c="dimmed" mb="xs">
            What happened when, oldest first (sorted by time on save). Taken over from the incident; add what people saw and did.
          </Text>
          <Stack gap={6}>
            {timeline.map((e, i) => (
              <Group key={e.key} gap="xs" align="flex-start" wrap="nowrap">
                <TextInput
                  aria-label={`Time of entry ${i + 1}`}
                  w={230}
                  value={e.at}
                  onChange={(ev) => {
                    const at = ev.currentTarget.value;
                    setTimeline((rows) => rows.map((r) => (r.key === e.key ? { ...r, at } : r)));
                  }}
                  error={issuesAt(save.error, `/timeline/${i}/at`)}
                />
                <Textarea
                  aria-label={`What happened (entry ${i + 1})`}
                  style={{ flex: 1 }}
                  autosize
                  minRows={1}
                  maxLength={2000}
                  value={e.text}
                  onChange={(ev) => {
                    const text = ev.currentTarget.value;
                    setTimeline((rows) => rows.map((r) => (r.key === e.key ? { ...r, text } : r)));
                  }}
                  error={issuesAt(save.error, `/timeline/${i}/text`)}
                />
                <ActionIcon variant="subtle" color="red" aria-label={`Remove entry ${i + 1}`} onClick={() => setTimeline((rows) => rows.filter((r) => r.key !== e.key))} mt={4}>
                  ×
                </ActionIcon>
              </Group>
            ))}
            <Group>
              <Button size="xs" variant="light" onClick={() => setTimeline((rows) => [...rows, { at: rows.at(-1)?.at ?? new Date().toISOString(), text: '', key: nextKey.current++ }])}>
                Add entry
              </Button>
            </Group>
          </Stack>
        </section>

        <section aria-label="Edit the supporting links">
          <Title order={3} fz="md" mb="xs">
            Supporting links
          </Title>
          <Stack gap={6}>
            {links.map((l, i) => (
              <Group key={l.key} gap="xs" align="flex-start" wrap="nowrap">
                <TextInput
                  aria-label={`Title of link ${i + 1}`}
                  placeholder="Dashboard, chat log, change"
                  w={230}
                  value={l.title}
                  onChange={(ev) => {
                    const t = ev.currentTarget.value;
                    setLinks((rows) => rows.map((r) => (r.key === l.key ? { ...r, title: t } : r)));
                  }}
                  error={issuesAt(save.error, `/links/${i}/title`)}
                />
                <TextInput
                  aria-label={`URL of link ${i + 1}`}
                  placeholder="https://…"
                  style={{ flex: 1 }}
                  value={l.url}
                  onChange={(ev) => {
                    const url = ev.currentTarget.value;
                    setLinks((rows) => rows.map((r) => (r.key === l.key ? { ...r, url } : r)));
                  }}
                  error={issuesAt(save.error, `/links/${i}/url`)}
                />
                <ActionIcon variant="subtle" color="red" aria-label={`Remove link ${i + 1}`} onClick={() => setLinks((rows) => rows.filter((r) => r.key !== l.key))} mt={4}>
                  ×
                </ActionIcon>
              </Group>
            ))}
            <Group>
              <Button size="xs" variant="light" onClick={() => setLinks((rows) => [...rows, { title: '', url: '', key: nextKey.current++ }])}>
                Add link
              </Button>
            </Group>
          </Stack>
        </section>

        {save.error && (
          <Alert color="red" role="alert" title={stale ? 'Someone saved meanwhile' : 'Not saved'}>
            <Text size="sm">{errorMessage(save.error)}</Text>
            {stale && (
              <Button
                size="xs"
                variant="light"
                mt={6}
                onClick={() => {
                  void refreshPostmortems(queryClient);
                  onDone();
                }}
              >
                Reload the postmortem (your edits here are dropped)
              </Button>
            )}
            {save.error instanceof ApiError && save.error.issues.length > 0 && (
              <List size="sm" mt={4}>
                {save.error.issues.map((i) => (
                  <List.Item key={`${i.path}:${i.message}`}>
                    {i.path}: {i.message}
                  </List.Item>
                ))}
              </List>
            )}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!changed || !title.trim()}>
            Save
          </Button>
          <Button variant="default" onClick={onDone}>
            {changed ? 'Discard changes' : 'Close the editor'}
          </Button>
          <Text size="xs" c="dimmed">
            Blameless hints are advice: they never stop a save or publishing.
          </Text>
        </Group>
      </Stack>
    </Card>
  );
}
