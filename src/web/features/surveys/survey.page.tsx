import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import { AppLink, editUrl, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate } from '../../app/ui/time.tsx';
import { INSTRUMENTS } from '../../../shared/survey-instruments.ts';
import { ORGANISATION, resultsUrl, roundsQuery, surveyQuery, surveysKey, trendQuery, type RoundView, type SurveyView } from './surveys.api.ts';

const STATUS_COLOR: Record<RoundView['status'], string> = { scheduled: 'gray', open: 'blue', closed: 'green' };

/** A date input's value (local midnight at the end of that day) as an instant. */
function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

/** Opens a round: closing date (and an optional later opening date); maintainers only. */
function OpenRoundForm({ survey, active }: { survey: SurveyView; active: RoundView | undefined }) {
  const queryClient = useQueryClient();
  const inTwoWeeks = new Date(Date.now() + 14 * 86400_000).toISOString().slice(0, 10);
  const [closes, setCloses] = useState(inTwoWeeks);
  const [opens, setOpens] = useState('');
  const open = useMutation({
    mutationFn: () =>
      api<RoundView>(`/surveys/${encodeURIComponent(survey.metadata.name)}/rounds`, {
        method: 'POST',
        body: { closesAt: endOfDay(closes), ...(opens ? { opensAt: new Date(`${opens}T00:00:00`).toISOString() } : {}) },
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: surveysKey }),
  });
  return (
    <Card withBorder component="form" aria-label="Open a round" onSubmit={(e: FormEvent) => {
        e.preventDefault();
        open.mutate();
      }}>
      <Stack gap="xs">
        <Title order={2} fz="md">
          Open a round
        </Title>
        <Text size="sm" c="dimmed">
          Every member of {survey.spec.targets.join(', ')} gets a personal single-use link (in Ethos, and by email when email is set up). Results appear when the round closes, for groups with at least{' '}
          {survey.spec.anonymity.minimumResponses} responses.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput type="date" label="Opens" description="Empty: now" value={opens} onChange={(e) => setOpens(e.currentTarget.value)} />
          <TextInput type="date" label="Closes" description="At the end of that day" required value={closes} onChange={(e) => setCloses(e.currentTarget.value)} />
        </SimpleGrid>
        {open.error && (
          <Text c="red" size="sm" role="alert">
            {errorMessage(open.error)}
          </Text>
        )}
        {open.data && (
          <Text size="sm" role="status">
            Round {open.data.number} is {open.data.status}: {open.data.participation.find((p) => p.group === ORGANISATION)?.invited ?? 0} people invited.
          </Text>
        )}
        {active && (
          <Text size="sm" c="dimmed">
            Round {active.number} is {active.status} until {formatDate(active.closesAt)}: close it before opening the next.
          </Text>
        )}
        <Group>
          <Button type="submit" size="xs" loading={open.isPending} disabled={!closes || !!active}>
            Open round
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function Participation({ round }: { round: RoundView }) {
  return (
    <Text size="sm">
      {round.participation.map((p, i) => (
        <span key={p.group}>
          {i > 0 && ' · '}
          {p.group}: {p.responses === null ? <Text span c="dimmed" size="sm" title={p.group !== ORGANISATION && round.status !== 'closed' ? 'each team’s count shows when the round closes' : `fewer than ${round.minimumResponses} responses, or derivable from other groups`}>hidden</Text> : `${p.responses}`}/{p.invited}
        </span>
      ))}
    </Text>
  );
}

function RoundsTable({ survey, rounds, maintainer }: { survey: SurveyView; rounds: RoundView[]; maintainer: boolean }) {
  const queryClient = useQueryClient();
  const close = useMutation({
    mutationFn: (n: number) => api<RoundView>(`/surveys/${encodeURIComponent(survey.metadata.name)}/rounds/${n}/close`, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: surveysKey }),
  });
  const remind = useMutation({
    mutationFn: (n: number) => api<{ remindedAt: string }>(`/surveys/${encodeURIComponent(survey.metadata.name)}/rounds/${n}/remind`, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: surveysKey }),
  });
  if (!rounds.length) return <EmptyState title="No rounds yet">{maintainer ? 'Open the first round above.' : `Team ${survey.metadata.owner} opens rounds.`}</EmptyState>;
  return (
    <>
      {(close.error ?? remind.error) && (
        <Text c="red" size="sm" role="alert">
          {errorMessage(close.error ?? remind.error)}
        </Text>
      )}
      <Table.ScrollContainer minWidth={640}>
        <Table aria-label="Rounds" verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Round</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Runs</Table.Th>
              <Table.Th>Responses / invited</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rounds.map((r) => (
              <Table.Tr key={r.number}>
                <Table.Td>{r.number}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={STATUS_COLOR[r.status]}>
                    {r.status}
                  </Badge>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {formatDate(r.opensAt)} – {formatDate(r.closesAt)}
                  {r.remindedAt && (
                    <Text size="xs" c="dimmed">
                      reminded {formatDate(r.remindedAt)}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Participation round={r} />
                </Table.Td>
                <Table.Td>
                  {r.status === 'closed' ? (
                    <Anchor component={Link} to={resultsUrl(survey.metadata.name, r.number)} size="sm">
                      Results
                    </Anchor>
                  ) : (
                    maintainer && (
                      <Group gap="xs" wrap="nowrap">
                        {r.status === 'open' && (
                          <Button size="compact-xs" variant="light" loading={remind.isPending && remind.variables === r.number} onClick={() => remind.mutate(r.number)} title="Everyone who has not answered gets a reminder (at most once a day); nobody learns who">
                            Send reminder
                          </Button>
                        )}
                        <Button size="compact-xs" variant="default" loading={close.isPending && close.variables === r.number} onClick={() => close.mutate(r.number)}>
                          Close now
                        </Button>
                      </Group>
                    )
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}

/** Scores across rounds for the groups the viewer may see. */
function TrendTable({ name, instruments }: { name: string; instruments: string[] }) {
  const trend = useQuery(trendQuery(name));
  if (trend.isPending) return null;
  if (trend.error) return trend.error instanceof ApiError && trend.error.code === 'SURVEY_RESULTS_FORBIDDEN' ? null : <ErrorState error={trend.error} title="The trend could not be loaded" />;
  if (!trend.data.groups.length) return null;
  const rounds = [...new Set(trend.data.groups.flatMap((g) => g.points.map((p) => p.round)))].sort((a, b) => a - b);
  return (
    <Card withBorder component="section" aria-label="Trend">
      <Stack gap="xs">
        <Title order={2} fz="md">
          Trend
        </Title>
        <Text size="xs" c="dimmed">
          Scale scores (1–7, higher is safer) per round; a group appears only in rounds where it had enough responses.
        </Text>
        <Table.ScrollContainer minWidth={480}>
          <Table aria-label="Scores by round" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group</Table.Th>
                <Table.Th>Instrument</Table.Th>
                {rounds.map((r) => (
                  <Table.Th key={r}>Round {r}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {trend.data.groups.flatMap((g) =>
                instruments.map((ins) => (
                  <Table.Tr key={`${g.group}/${ins}`}>
                    <Table.Td>{g.group}</Table.Td>
                    <Table.Td>{ins in INSTRUMENTS ? INSTRUMENTS[ins as keyof typeof INSTRUMENTS].title : 'Custom items'}</Table.Td>
                    {rounds.map((r) => {
                      const score = g.points.find((p) => p.round === r)?.scores[ins];
                      return <Table.Td key={r}>{score === undefined ? '—' : score.toFixed(2)}</Table.Td>;
                    })}
                  </Table.Tr>
                )),
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
    </Card>
  );
}

/** A survey: what it asks, its rounds (open, close) and the trend of its scores. */
export default function SurveyPage() {
  const { name = '' } = useParams();
  const me = useMe();
  const survey = useQuery(surveyQuery(name));
  const rounds = useQuery(roundsQuery(name));
  useDocumentTitle(survey.data?.spec.title ?? name);
  if (survey.isPending) return <PageLoader label="Loading the survey" />;
  if (survey.error) return <ErrorState error={survey.error} title={`Survey ${name} could not be loaded`} retry={() => void survey.refetch()} />;
  const s = survey.data;
  const maintainer = canWrite(me, s.metadata.owner);
  const active = rounds.data?.items.find((r) => r.status !== 'closed');
  const instruments = [...s.spec.instruments, ...(s.spec.items.length ? ['custom'] : [])];
  return (
    <>
      <PageHeader
        title={s.spec.title}
        subtitle={s.spec.description}
        actions={
          <Button component={Link} to={editUrl('Survey', s.metadata.name)} size="xs" variant="default">
            {maintainer ? 'Edit' : 'Propose a change'}
          </Button>
        }
      />
      <Stack gap="md">
        <Card withBorder component="section" aria-label="About this survey">
          <SimpleGrid cols={{ base: 1, sm: 4 }}>
            <div>
              <Text size="xs" c="dimmed">
                Run by
              </Text>
              <AppLink to={teamUrl(s.metadata.owner)} size="sm">
                {s.metadata.owner}
              </AppLink>
            </div>
            <div>
              <Text size="xs" c="dimmed">
                Asks
              </Text>
              <Text size="sm">{s.spec.targets.join(', ')}</Text>
            </div>
            <div>
              <Text size="xs" c="dimmed">
                Questions
              </Text>
              <Text size="sm">
                {[...s.spec.instruments.map((i) => `${INSTRUMENTS[i].title} (${INSTRUMENTS[i].items.length})`), ...(s.spec.items.length ? [`${s.spec.items.length} custom`] : []), ...(s.spec.freeText ? ['one free-text question'] : [])].join(', ')}
              </Text>
            </div>
            <div>
              <Text size="xs" c="dimmed">
                Reporting minimum
              </Text>
              <Text size="sm">{s.spec.anonymity.minimumResponses} responses per group</Text>
            </div>
          </SimpleGrid>
        </Card>
        {maintainer && <OpenRoundForm survey={s} active={active} />}
        <section aria-label="Rounds">
          <Title order={2} fz="md" mb="xs">
            Rounds
          </Title>
          {rounds.isPending ? <PageLoader label="Loading rounds" /> : rounds.error ? <ErrorState error={rounds.error} title="Rounds could not be loaded" /> : <RoundsTable survey={s} rounds={rounds.data.items} maintainer={maintainer} />}
        </section>
        <TrendTable name={s.metadata.name} instruments={instruments} />
      </Stack>
    </>
  );
}
