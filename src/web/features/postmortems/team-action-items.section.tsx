import { Anchor, Card, Group, Stack, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { ResourceView } from '../../app/types.ts';
import { ActionItemTable, CompletionRate } from './postmortem-parts.tsx';
import { actionItemListQuery, actionItemsUrl } from './postmortems.api.ts';

/** A team page's "Action items": its completion rate and its overdue items (the five due longest ago). */
export default function TeamActionItemsSection({ team }: { team: ResourceView }) {
  const name = team.metadata.name;
  const overdue = useQuery(actionItemListQuery({ teams: [name], overdue: true, unfinished: true, cursor: null }, 5));
  return (
    <Card withBorder aria-label="Action items">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg">
          Action items
        </Title>
        <Anchor component={Link} to={actionItemsUrl(name)} size="sm">
          All of {name}’s
        </Anchor>
      </Group>
      <Stack gap="sm">
        <CompletionRate team={name} />
        {!!overdue.data?.items.length && <ActionItemTable items={overdue.data.items} label={`Overdue action items of ${name}`} />}
      </Stack>
    </Card>
  );
}
