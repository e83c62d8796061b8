import { Anchor, Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { ResourceView } from '../../app/types.ts';
import { INSTRUMENTS } from '../../../shared/survey-instruments.ts';
import { surveyListQuery, surveyUrl, trendQuery, type SurveyView } from './surveys.api.ts';

const key = (s: string) => s.toLowerCase();

/** One survey's latest score for the team, as far as the viewer may see it. */
function SurveyLine({ survey, team }: { survey: SurveyView; team: string }) {
  const trend = useQuery(trendQuery(survey.metadata.name));
  const points = trend.data?.groups.find((g) => key(g.group) === key(team))?.points ?? [];
  const last = points.at(-1);
  const before = points.at(-2);
  return (
    <Group justify="space-between" wrap="nowrap">
      <Anchor component={Link} to={surveyUrl(survey.metadata.name)} size="sm">
        {survey.spec.title}
      </Anchor>
      {trend.error ? (
        <Text size="xs" c="dimmed">
          results are for the team and team {survey.metadata.owner}
        </Text>
      ) : last ? (
        <Group gap={6} wrap="nowrap">
          {Object.entries(last.scores).map(([ins, score]) => {
            const change = before?.scores[ins] === undefined ? '' : ` (${score >= before.scores[ins]! ? '+' : ''}${(score - before.scores[ins]!).toFixed(2)})`;
            return (
              <Badge key={ins} variant="light" color={score >= 5.5 ? 'teal' : score >= 4.5 ? 'yellow' : 'red'}>
                {ins in INSTRUMENTS ? INSTRUMENTS[ins as keyof typeof INSTRUMENTS].title : 'custom'} {score.toFixed(2)}
                {change}
              </Badge>
            );
          })}
          <Text size="xs" c="dimmed">
            round {last.round}
          </Text>
        </Group>
      ) : (
        <Text size="xs" c="dimmed">
          no results shown yet
        </Text>
      )}
    </Group>
  );
}

/** A team page's "Surveys": the surveys that ask the team, with its latest scores; nothing when none do. */
export default function TeamSurveysSection({ team }: { team: ResourceView }) {
  const name = team.metadata.name;
  const list = useQuery(surveyListQuery);
  const asking = (list.data?.items ?? []).filter((s) => s.spec.targets.some((t) => key(t) === key(name)));
  if (!asking.length) return null;
  return (
    <Card withBorder aria-label="Surveys">
      <Title order={2} fz="lg" mb="sm">
        Surveys
      </Title>
      <Stack gap={6}>
        {asking.map((s) => (
          <SurveyLine key={s.metadata.name} survey={s} team={name} />
        ))}
      </Stack>
    </Card>
  );
}
