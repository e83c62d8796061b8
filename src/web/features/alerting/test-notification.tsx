import { Button, Group, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { api, errorMessage } from '../../app/api.ts';

/** What POST /api/v1/alerting/contact-points/{name}/test answers: the receiver's answer, or why it failed. */
interface TestResult {
  ok: boolean;
  status?: number;
  error?: string;
}

/** The outcome for a reader: "Delivered (HTTP 200)", "Not delivered: the receiver answered HTTP 404". */
function outcome(r: TestResult): string {
  if (r.ok) return r.status ? `Delivered (HTTP ${r.status})` : 'Delivered';
  return `Not delivered: ${r.error ?? (r.status ? `the receiver answered HTTP ${r.status}` : 'no answer')}`;
}

/**
 * Sends a test notification to a saved contact point now (members of its team), and says how the
 * receiver answered.
 */
export function TestNotificationButton({ owner, name, size = 'compact-xs' }: { owner: string; name: string; size?: 'compact-xs' | 'xs' }) {
  const test = useMutation({
    mutationFn: () => api<TestResult>(`/alerting/contact-points/${encodeURIComponent(name)}/test`, { method: 'POST', query: { owner } }),
  });
  const result = test.data;
  return (
    <Group gap="xs" wrap="nowrap">
      <Button size={size} variant="light" loading={test.isPending} onClick={() => test.mutate()} aria-label={`Send test notification to ${name}`}>
        Send test notification
      </Button>
      <Text size="xs" role="status" aria-live="polite" c={test.error || (result && !result.ok) ? 'red' : 'green'} style={{ wordBreak: 'break-word' }}>
        {test.isPending ? '' : test.error ? `Not sent: ${errorMessage(test.error)}` : result ? outcome(result) : ''}
      </Text>
    </Group>
  );
}
