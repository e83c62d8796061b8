import { Alert, Badge, Card, Group, List, Progress, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { ApiError } from '../../app/api.ts';
import { AppLink } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate } from '../../app/ui/time.tsx';
import type { GroupResult, InstrumentResult } from '../../../shared/survey.schema.ts';
import { INSTRUMENTS, TEAM_DYNAMICS } from '../../../shared/survey-instruments.ts';
import { ORGANISATION, resultsQuery, surveyUrl, type RoundResults } from './surveys.api.ts';

/** Colours of answers 1..7, from unsafe to safe as answered (reversed items read the other way). */
const ANSWER_COLORS = ['red.7', 'red.5', 'orange.4', 'gray.5', 'teal.4', 'teal.6', 'teal.8'];
/** Below this a score suggests looking at the guidance. */
const LOW_SCORE = 5;

const scoreColor = (s: number) => (s >= 5.5 ? 'teal' : s >= 4.5 ? 'yellow' : 'red');

function Distribution({ counts, label }: { counts: number[]; label: string }) {
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  return (
    <Progress.Root size="lg" aria-label={label} w={160}>
      {counts.map((n, i) =>
        n ? (
          <Tooltip key={i} label={`${n} answered ${i + 1}`}>
            <Progress.Section value={(100 * n) / total} color={ANSWER_COLORS[i]!} />
          </Tooltip>
        ) : null,
      )}
    </Progress.Root>
  );
}

/** Guidance for a group's lowest items below the threshold. */
function guidanceFor(instruments: InstrumentResult[]): { text: string; guidance: string; mean: number }[] {
  const out: { text: string; guidance: string; mean: number }[] = [];
  for (const ins of instruments) {
    const known = ins.instrument in INSTRUMENTS ? INSTRUMENTS[ins.instrument as keyof typeof INSTRUMENTS].items : [];
    for (const item of ins.items) {
      const guidance = known.find((k) => k.id === item.id)?.guidance;
      if (guidance && item.mean < LOW_SCORE) out.push({ text: item.text, guidance, mean: item.mean });
    }
  }
  return out.sort((a, b) => a.mean - b.mean).slice(0, 3);
}

function InstrumentTable({ ins, org }: { ins: InstrumentResult; org: InstrumentResult | null }) {
  return (
    <Stack gap={4}>
      <Group gap="xs">
        <Text fw={500} size="sm">
          {ins.title}
        </Text>
        <Badge color={scoreColor(ins.score)} variant="light" aria-label={`${ins.title} score ${ins.score.toFixed(2)} of 7`}>
          {ins.score.toFixed(2)} / 7
        </Badge>
        {org && (
          <Text size="xs" c="dimmed">
            organisation {org.score.toFixed(2)}
          </Text>
        )}
      </Group>
      <Table.ScrollContainer minWidth={560}>
        <Table aria-label={`${ins.title} items`} verticalSpacing={4} fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Statement</Table.Th>
              <Table.Th>Score</Table.Th>
              {org && <Table.Th>Organisation</Table.Th>}
              <Table.Th>Answers 1 → 7</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {ins.items.map((item) => (
              <Table.Tr key={item.id}>
                <Table.Td maw={420}>
                  {item.text}
                  {item.reversed && (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      (reverse-scored)
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{item.mean.toFixed(2)}</Table.Td>
                {org && <Table.Td>{org.items.find((o) => o.id === item.id)?.mean.toFixed(2) ?? '—'}</Table.Td>}
                <Table.Td>
                  <Distribution counts={item.distribution} label={`How people answered: ${item.text}`} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

function GroupCard({ group, org, results }: { group: GroupResult; org: GroupResult | null; results: RoundResults }) {
  const title = group.kind === 'organisation' ? 'Organisation (all teams asked)' : `Team ${group.group}`;
  if (!group.shown) {
    return (
      <Card withBorder component="section" aria-label={title}>
        <Text fw={500}>{title}</Text>
        <Text size="sm" c="dimmed">
          {group.withheld === 'below-minimum'
            ? `Not shown: fewer than ${results.minimumResponses} responses (of ${group.invited} invited).`
            : 'Not shown: its results could be worked out from the other groups shown (the organisation minus the other teams), and another group is below the minimum.'}
        </Text>
      </Card>
    );
  }
  const guidance = guidanceFor(group.instruments);
  return (
    <Card withBorder component="section" aria-label={title}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} fz="lg">
            {title}
          </Title>
          <Text size="sm" c="dimmed">
            {group.responses} of {group.invited} answered ({Math.round((group.participation ?? 0) * 100)}%)
          </Text>
        </Group>
        {group.instruments.map((ins) => (
          <InstrumentTable key={ins.instrument} ins={ins} org={org?.shown && group.kind === 'team' ? (org.instruments.find((o) => o.instrument === ins.instrument) ?? null) : null} />
        ))}
        {guidance.length > 0 && (
          <Alert variant="light" color="yellow" title="Where to start">
            <List size="sm" spacing={4}>
              {guidance.map((g) => (
                <List.Item key={g.text}>
                  <Text span size="sm" fw={500}>
                    “{g.text}” ({g.mean.toFixed(2)}):
                  </Text>{' '}
                  {g.guidance}
                </List.Item>
              ))}
            </List>
          </Alert>
        )}
        {results.freeTextQuestion && (
          <Stack gap={4}>
            <Text fw={500} size="sm">
              {results.freeTextQuestion}
            </Text>
            {group.comments.length ? (
              <List size="sm" spacing={4} aria-label={`Comments of ${title}`}>
                {group.comments.map((c, i) => (
                  <List.Item key={i}>{c}</List.Item>
                ))}
              </List>
            ) : (
              <Text size="sm" c="dimmed">
                No one wrote an answer.
              </Text>
            )}
            <Text size="xs" c="dimmed">
              In random order, and stored apart from the scale answers.
            </Text>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

/** A closed round's results: each group the viewer may see, team against organisation, guidance. */
export default function ResultsPage() {
  const { name = '', round = '' } = useParams();
  const number = Number(round);
  const results = useQuery(resultsQuery(name, number));
  useDocumentTitle(`${name} round ${round} results`);
  if (results.isPending) return <PageLoader label="Loading results" />;
  if (results.error) {
    const friendly = results.error instanceof ApiError && ['SURVEY_RESULTS_NOT_READY', 'SURVEY_RESULTS_FORBIDDEN'].includes(results.error.code);
    return friendly ? (
      <Alert color="blue" title="No results to show" m="md">
        {results.error.message}
      </Alert>
    ) : (
      <ErrorState error={results.error} title="Results could not be loaded" retry={() => void results.refetch()} />
    );
  }
  const r = results.data;
  const org = r.groups.find((g) => g.group === ORGANISATION) ?? null;
  return (
    <>
      <PageHeader
        title={`Round ${r.round} results`}
        subtitle={
          <>
            <AppLink to={surveyUrl(r.survey)}>{r.survey}</AppLink> · {formatDate(r.opensAt)} – {formatDate(r.closesAt)} · groups with fewer than {r.minimumResponses} responses are not shown
          </>
        }
      />
      <Stack gap="md">
        {r.groups.filter((g) => g.kind === 'team').map((g) => (
          <GroupCard key={g.group} group={g} org={org} results={r} />
        ))}
        {org && <GroupCard group={org} org={null} results={r} />}
        <Card withBorder component="section" aria-label="Five dynamics of effective teams">
          <Stack gap="xs">
            <Title order={2} fz="md">
              Five dynamics of effective teams
            </Title>
            <Text size="sm" c="dimmed">
              Google's Project Aristotle found these matter most, psychological safety first. Talk about the results as a team: what surprised you, and one thing to try before the next round.
            </Text>
            <List size="sm" spacing={6}>
              {TEAM_DYNAMICS.map((d) => (
                <List.Item key={d.name}>
                  <Text span fw={500} size="sm">
                    {d.name}
                  </Text>{' '}
                  — {d.question} {d.practices}
                </List.Item>
              ))}
            </List>
          </Stack>
        </Card>
      </Stack>
    </>
  );
}
