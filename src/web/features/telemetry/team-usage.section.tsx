import { Anchor, Card, Group, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { ResourceView } from '../../app/types.ts';
import { TeamQuotaPanel } from './quota-usage.tsx';
import { teamUsageUrl } from './quotas.api.ts';

/** The team page's "Telemetry usage" section: the team's usage against its quotas. */
export default function TeamUsageSection({ team }: { team: ResourceView }) {
  const name = team.metadata.name;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="lg">
          Telemetry usage
        </Title>
        <Anchor component={Link} to={teamUsageUrl(name)} size="sm">
          Open usage page
        </Anchor>
      </Group>
      <TeamQuotaPanel team={name} columns={1} />
    </Card>
  );
}
