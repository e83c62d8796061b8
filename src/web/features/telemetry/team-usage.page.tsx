import { Anchor, Breadcrumbs, Card, Text } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../app/api.ts';
import { AppLink, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { useResource } from '../catalog/catalog.api.ts';
import { TeamQuotaPanel } from './quota-usage.tsx';

/** One team's telemetry usage against its quotas (`/telemetry/usage/<team>`); admins edit the limits here. */
export default function TeamUsagePage() {
  const { team: name = '' } = useParams();
  useDocumentTitle(`Telemetry usage of ${name}`);
  const team = useResource('Team', name);
  if (team.isPending) return <PageLoader label="Loading the team" />;
  if (team.error) {
    const missing = team.error instanceof ApiError && team.error.code === 'RESOURCE_NOT_FOUND';
    return <ErrorState error={team.error} title={missing ? `There is no team “${name}”` : undefined} retry={missing ? undefined : () => void team.refetch()} />;
  }
  const t = team.data.metadata.name;
  return (
    <>
      <Breadcrumbs mb="xs" aria-label="Breadcrumb">
        <Anchor component={Link} to="/telemetry/usage" size="sm">
          Telemetry usage
        </Anchor>
        <Text size="sm">{t}</Text>
      </Breadcrumbs>
      <PageHeader
        title={`Telemetry usage of ${t}`}
        subtitle={
          <>
            What the services of <AppLink to={teamUrl(t)}>{t}</AppLink> send, against the team’s quotas. Over a quota, new series and the excess log records
            and spans are rejected (senders see why in the answer); the rest is stored.
          </>
        }
      />
      <Card withBorder>
        <TeamQuotaPanel team={t} />
      </Card>
    </>
  );
}
