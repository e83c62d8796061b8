import { Anchor, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { ResourceView } from '../../app/types.ts';
import { onCallQuery } from './oncall.api.ts';
import { whenIn } from './oncall-words.ts';

/** A team page's "On call now": who holds each rotation of the team's schedules; nothing when it has none. */
export default function TeamOnCallSection({ team }: { team: ResourceView }) {
  const name = team.metadata.name;
  const now = useQuery(onCallQuery(name));
  if (!now.data?.items.length) return null;
  return (
    <Card withBorder aria-label="On call now">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg">
          On call now
        </Title>
        <Anchor component={Link} to={`/oncall?team=${encodeURIComponent(name)}`} size="sm">
          Calendar
        </Anchor>
      </Group>
      <Stack gap={4}>
        {now.data.items.flatMap((s) =>
          s.rotations.map((r) => (
            <Text size="sm" key={`${s.schedule}/${r.rotation}`}>
              {s.schedule} · {r.rotation}: <b>{r.current?.user ?? 'nobody'}</b>
              {r.current?.user ? ` until ${whenIn(r.current.to, s.timeZone)}` : ''}
            </Text>
          )),
        )}
      </Stack>
    </Card>
  );
}
