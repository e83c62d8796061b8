import { Anchor, Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { AppLink, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate } from '../../app/ui/time.tsx';
import { invitationsQuery, respondUrl, resultsUrl, surveyListQuery, surveyUrl, type InvitationView } from './surveys.api.ts';

const STATUS_COLOR: Record<InvitationView['status'], string> = { pending: 'blue', scheduled: 'gray', answered: 'green', closed: 'gray', missed: 'gray' };
const STATUS_LABEL: Record<InvitationView['status'], string> = { pending: 'waiting for you', scheduled: 'opens later', answered: 'answered', closed: 'closed', missed: 'closed' };

/** The signed-in person's invitations: the open ones with their personal link. */
function MyInvitations() {
  const found = useQuery(invitationsQuery);
  if (found.isPending) return <PageLoader label="Loading your invitations" />;
  if (found.error) return <ErrorState error={found.error} title="Your invitations could not be loaded" retry={() => void found.refetch()} />;
  const items = found.data.items;
  return (
    <Card withBorder component="section" aria-label="Your invitations">
      <Stack gap="xs">
        <Title order={2} fz="md">
          Your invitations
        </Title>
        {!items.length ? (
          <Text size="sm" c="dimmed">
            No survey has asked you anything yet.
          </Text>
        ) : (
          items.map((i) => (
            <Group key={`${i.survey}/${i.round}/${i.team}`} justify="space-between" wrap="nowrap">
              <div>
                <Text size="sm" fw={500}>
                  {i.title}{' '}
                  <Text span c="dimmed" size="sm">
                    about team {i.team} · round {i.round} · closes {formatDate(i.closesAt)}
                  </Text>
                </Text>
              </div>
              <Group gap="xs" wrap="nowrap">
                <Badge variant="light" color={STATUS_COLOR[i.status]}>
                  {STATUS_LABEL[i.status]}
                </Badge>
                {i.status === 'pending' && i.code && (
                  <Button component={Link} to={respondUrl(i.code)} size="xs">
                    Answer
                  </Button>
                )}
                {(i.status === 'answered' || i.status === 'missed') && new Date(i.closesAt).getTime() <= Date.now() && (
                  <Anchor component={Link} to={resultsUrl(i.survey, i.round)} size="sm">
                    Results
                  </Anchor>
                )}
              </Group>
            </Group>
          ))
        )}
        <Text size="xs" c="dimmed">
          Answers are stored without your name, your invitation or the time you answered. Results appear when a round closes, only for groups with enough responses.
        </Text>
      </Stack>
    </Card>
  );
}

/** Surveys: your invitations first, then every survey with the teams it asks. */
export default function SurveysPage() {
  useDocumentTitle('Surveys');
  const list = useQuery(surveyListQuery);
  let body;
  if (list.isPending) body = <PageLoader label="Loading surveys" />;
  else if (list.error) body = <ErrorState error={list.error} title="Surveys could not be listed" retry={() => void list.refetch()} />;
  else if (!list.data.items.length) body = <EmptyState title="No surveys yet">A team (often a people or engineering-effectiveness team) creates a survey and opens a round for the teams it asks.</EmptyState>;
  else
    body = (
      <Table.ScrollContainer minWidth={640}>
        <Table aria-label="Surveys" verticalSpacing={6} highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Survey</Table.Th>
              <Table.Th>Run by</Table.Th>
              <Table.Th>Asks</Table.Th>
              <Table.Th>Instruments</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((s) => (
              <Table.Tr key={s.metadata.name}>
                <Table.Td>
                  <Anchor component={Link} to={surveyUrl(s.metadata.name)} size="sm" fw={500}>
                    {s.spec.title}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {s.metadata.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <AppLink to={teamUrl(s.metadata.owner)} size="sm">
                    {s.metadata.owner}
                  </AppLink>
                </Table.Td>
                <Table.Td>{s.spec.targets.join(', ')}</Table.Td>
                <Table.Td>{[...s.spec.instruments, ...(s.spec.items.length ? [`${s.spec.items.length} custom`] : [])].join(', ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    );
  return (
    <>
      <PageHeader
        title="Surveys"
        subtitle="Anonymous team surveys: psychological safety (Edmondson) and organisational culture (Westrum). Nobody, administrators included, can see one person's answers."
        actions={
          <Button component={Link} to="/resources/Survey/new" size="xs" variant="light">
            New survey
          </Button>
        }
      />
      <Stack gap="md">
        <MyInvitations />
        {body}
      </Stack>
    </>
  );
}
