import { Anchor, Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { canWrite, useMe } from '../../app/session.tsx';
import { editUrl } from '../../app/ui/links.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import type { ResourceView } from '../../app/types.ts';
import type { AlertRuleSpec } from '../../../shared/alerting.schema.ts';
import { AlertResults, SeverityBadge } from './alerts.page.tsx';
import { ALERT_RULE_KIND, ruleUrl, serviceRulesQuery, type AlertFilter } from './alerting.api.ts';
import { newRuleUrl, ruleText } from './rule-words.ts';
import { OpenIncidentsNotice } from '../incidents/open-incidents-notice.tsx';

/** A service's alert rules: each one's condition in words, severity, whether it is paused, and a way to change it. */
function RuleList({ service }: { service: ResourceView }) {
  const me = useMe();
  const rules = useQuery(serviceRulesQuery(service));
  const mine = canWrite(me, service.metadata.owner);
  let body;
  if (rules.isPending) body = <PageLoader label="Loading alert rules" />;
  else if (rules.error) body = <ErrorState error={rules.error} title="The alert rules could not be loaded" retry={() => void rules.refetch()} />;
  else if (!rules.data.length)
    body = (
      <Text size="sm" c="dimmed">
        None yet. A rule compares the service’s metrics, logs or exceptions with a threshold; its alerts go to {service.metadata.owner}’s notification policies.
      </Text>
    );
  else
    body = (
      <Table.ScrollContainer minWidth={640}>
        <Table aria-label="Alert rules" verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Rule</Table.Th>
              <Table.Th>Condition</Table.Th>
              <Table.Th>Severity</Table.Th>
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rules.data.map((r) => {
              const spec = r.spec as Partial<AlertRuleSpec>;
              return (
                <Table.Tr key={r.metadata.name}>
                  <Table.Td>
                    <Anchor component={Link} to={ruleUrl(r.metadata.name)} size="sm" fw={500}>
                      {r.metadata.name}
                    </Anchor>
                    {spec.paused && (
                      <Badge color="gray" variant="light" size="sm" ml={6}>
                        paused
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td style={{ wordBreak: 'break-word' }}>
                    <Text size="sm">{ruleText(spec)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <SeverityBadge severity={spec.severity ?? 'ticket'} />
                  </Table.Td>
                  <Table.Td>
                    <Button component={Link} to={editUrl(ALERT_RULE_KIND, r.metadata.name)} size="compact-xs" variant="subtle" aria-label={`${mine ? 'Edit' : 'Propose a change to'} ${r.metadata.name}`}>
                      {mine ? 'Edit' : 'Propose a change'}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    );
  return (
    <section aria-label="Alert rules">
      <Group justify="space-between" mb={4}>
        <Title order={2} fz="md">
          Alert rules
        </Title>
        <Button component={Link} to={newRuleUrl(service)} size="xs" variant="light">
          {mine ? 'New rule' : 'Propose a rule'}
        </Button>
      </Group>
      {body}
    </section>
  );
}

/** The service page's Alerts tab: its firing and pending alerts, and its alert rules. */
export default function ServiceAlertsTab({ service }: { service: ResourceView }) {
  const filter: AlertFilter = { team: null, service: service.metadata.name, state: null, severity: null, resolved: false };
  return (
    <Stack gap="lg">
      <OpenIncidentsNotice service={service.metadata.name} />
      <section aria-label="Alerts of the service">
        <Title order={2} fz="md" mb={4}>
          Alerts
        </Title>
        <AlertResults filter={filter} empty="No alert is firing or pending" />
      </section>
      <RuleList service={service} />
    </Stack>
  );
}
