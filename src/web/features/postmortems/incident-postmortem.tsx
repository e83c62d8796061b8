import { Anchor, Button, Group, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { PostmortemStatusBadge } from './postmortem-parts.tsx';
import { incidentPostmortemQuery, postmortemUrl } from './postmortems.api.ts';

/**
 * An incident's link to its postmortem (when the reader may see it), or, for members of the
 * owning team, the button that starts one.
 */
export function IncidentPostmortem({ incident, canWrite }: { incident: number; canWrite: boolean }) {
  const found = useQuery(incidentPostmortemQuery(incident));
  if (found.isPending || found.error) return null;
  const pm = found.data;
  if (pm) {
    return (
      <Group gap={6} aria-label="Postmortem">
        <Text size="sm">Postmortem:</Text>
        <Anchor component={Link} to={postmortemUrl(pm.id)} size="sm">
          {pm.title}
        </Anchor>
        <PostmortemStatusBadge status={pm.status} />
      </Group>
    );
  }
  if (!canWrite) return null;
  return (
    <Button size="xs" variant="light" component={Link} to={`/postmortems/new?incident=${incident}`}>
      Write postmortem
    </Button>
  );
}
