import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { canWrite, useMe } from '../../app/session.tsx';
import type { ResourceView } from '../../app/types.ts';
import { newSloUrl, SloResults } from './slos.page.tsx';
import { sloFilter } from './slo.api.ts';

/** The service page's SLOs tab: the service's SLOs with their SLI, budget left and alerts, and a way to add one. */
export default function ServiceSlosTab({ service }: { service: ResourceView }) {
  const me = useMe();
  const mine = canWrite(me, service.metadata.owner);
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} fz="md">
          SLOs
        </Title>
        <Button component={Link} to={newSloUrl({ name: service.metadata.name, owner: service.metadata.owner })} size="xs" variant="light">
          {mine ? 'New SLO' : 'Propose an SLO'}
        </Button>
      </Group>
      <SloResults
        filter={sloFilter(new URLSearchParams(), service.metadata.name)}
        showService={false}
        empty={
          <Text size="sm" c="dimmed">
            None yet. An SLO sets how good {service.metadata.name} has to be — the share of its requests that succeed, or are fast enough — and pages {service.metadata.owner} when its error budget burns too fast.
          </Text>
        }
      />
    </Stack>
  );
}
