import { Alert, Button, Center, Group, Paper, Radio, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, errorMessage } from '../../app/api.ts';
import { useDocumentTitle } from '../../app/ui/page.tsx';
import { PageLoader } from '../../app/ui/states.tsx';
import { formatDate } from '../../app/ui/time.tsx';
import type { QuestionnaireView } from './surveys.api.ts';

/** The personal code from the link's fragment (`/surveys/respond#code=…`), which no server ever sees. */
function codeFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('code') ?? '';
}

function Frame({ children }: { children: ReactNode }) {
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={760} component="main">
        {children}
      </Paper>
    </Center>
  );
}

/**
 * The anonymous questionnaire: opened from a personal link, answered once, no sign-in needed.
 * The code travels in request bodies only, and these requests carry no session cookie; after
 * answering the code is removed from the address bar.
 */
export default function RespondPage() {
  useDocumentTitle('Survey');
  const location = useLocation();
  const navigate = useNavigate();
  // kept from the first render: the fragment is cleared once the answers are in
  const [code] = useState(() => codeFromHash(location.hash));
  const q = useQuery({
    queryKey: ['survey-questionnaire', code],
    queryFn: () => api<QuestionnaireView>('/survey-responses/questionnaire', { method: 'POST', body: { code }, anonymous: true }),
    enabled: code.length > 0,
    retry: false,
    staleTime: Infinity,
  });
  const [answers, setAnswers] = useState<Record<string, number>>({});
  const [comment, setComment] = useState('');
  const submit = useMutation({
    mutationFn: () => api<{ recorded: true }>('/survey-responses', { method: 'POST', body: { code, answers, ...(comment.trim() ? { comment: comment.trim() } : {}) }, anonymous: true }),
    onSuccess: () => void navigate(location.pathname, { replace: true }),
  });

  if (!code)
    return (
      <Frame>
        <Alert color="red" title="This link has no code">
          Open the link from your invitation, or find your invitations under Surveys in Ethos.
        </Alert>
      </Frame>
    );
  if (q.isPending) return <PageLoader label="Loading the questionnaire" />;
  if (q.error)
    return (
      <Frame>
        <Alert color="red" title="This survey cannot be opened">
          {errorMessage(q.error)}
        </Alert>
      </Frame>
    );
  const view = q.data;
  if (submit.isSuccess || view.status === 'answered')
    return (
      <Frame>
        <Stack>
          <Title order={1} fz={24}>
            {submit.isSuccess ? 'Thank you' : 'Already answered'}
          </Title>
          <Text>
            {submit.isSuccess ? 'Your answers are recorded.' : 'This invitation has been used.'} They are stored without your name, your invitation or the time. Results appear when the round closes on {formatDate(view.closesAt)}, only for groups
            with at least {view.minimumResponses} responses.
          </Text>
        </Stack>
      </Frame>
    );
  if (view.status !== 'open')
    return (
      <Frame>
        <Alert color="blue" title={view.status === 'scheduled' ? 'This round has not opened yet' : 'This round has closed'}>
          {view.status === 'scheduled' ? 'Come back when it opens.' : 'Answers are no longer taken.'}
        </Alert>
      </Frame>
    );

  const items = view.questionnaire.sections.flatMap((s) => s.items);
  const missing = items.filter((i) => answers[i.id] === undefined).length;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!missing) submit.mutate();
  };
  return (
    <Frame>
      <form onSubmit={onSubmit} aria-labelledby="survey-title">
        <Stack gap="lg">
          <div>
            <Title order={1} fz={24} id="survey-title">
              {view.questionnaire.title}
            </Title>
            <Text c="dimmed" size="sm">
              About team {view.team} · closes {formatDate(view.closesAt)}
            </Text>
            {view.questionnaire.description && <Text mt="xs">{view.questionnaire.description}</Text>}
            <Text size="sm" mt="xs">
              Anonymous: your answers are stored with no link to you, your invitation or the time you answered. Nobody — administrators included — can see one person's answers; results show only for groups
              of at least {view.minimumResponses}.
            </Text>
          </div>
          {view.questionnaire.sections.map((section) => (
            <Stack key={section.instrument} gap="md" component="fieldset" style={{ border: 0, padding: 0, margin: 0 }}>
              <Title order={2} fz="md" component="legend">
                {section.title}
              </Title>
              {section.items.map((item, n) => (
                <Radio.Group
                  key={item.id}
                  label={`${n + 1}. ${item.text}`}
                  value={answers[item.id] === undefined ? null : String(answers[item.id])}
                  onChange={(v) => setAnswers((a) => ({ ...a, [item.id]: Number(v) }))}
                  required
                >
                  <Group gap="xs" mt={6} wrap="wrap">
                    {section.scale.map((label, i) => (
                      <Radio key={label} value={String(i + 1)} label={label} size="xs" />
                    ))}
                  </Group>
                </Radio.Group>
              ))}
            </Stack>
          ))}
          {view.questionnaire.freeText && (
            <Textarea
              label={view.questionnaire.freeText}
              description="Optional. Shown only in a group with enough responses, in random order, apart from your other answers. Leave out names and details that would identify you."
              autosize
              minRows={3}
              maxLength={4000}
              value={comment}
              onChange={(e) => setComment(e.currentTarget.value)}
            />
          )}
          {submit.error && (
            <Text c="red" size="sm" role="alert">
              {errorMessage(submit.error)}
            </Text>
          )}
          <Group>
            <Button type="submit" loading={submit.isPending} disabled={missing > 0}>
              Send my answers
            </Button>
            {missing > 0 && (
              <Text size="sm" c="dimmed">
                {missing} statement{missing === 1 ? '' : 's'} left to answer
              </Text>
            )}
          </Group>
        </Stack>
      </form>
    </Frame>
  );
}
