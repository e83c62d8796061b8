import { Alert, Anchor, Stack } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { INCIDENTS_REFRESH_MS, incidentUrl, openIncidentsOfQuery } from './incidents.api.ts';

/** A service's open incidents, as links (its Alerts tab shows them above its alerts); nothing when there are none. */
export function OpenIncidentsNotice({ service }: { service: string }) {
  const open = useQuery({ ...openIncidentsOfQuery(service), refetchInterval: INCIDENTS_REFRESH_MS });
  const items = open.data?.items ?? [];
  if (!items.length) return null;
  return (
    <Alert color="red" variant="light" title={items.length === 1 ? 'An incident is open' : `${items.length} incidents are open`} aria-label="Open incidents">
      <Stack gap={2}>
        {items.map((i) => (
          <Anchor key={i.id} component={Link} to={incidentUrl(i.id)} size="sm">
            #{i.id} {i.title} ({i.status})
          </Anchor>
        ))}
      </Stack>
    </Alert>
  );
}
