import { Card, Stack, Text, Title } from '@mantine/core';
import type { EditedDocument } from '../../app/feature.ts';
import { canWrite, useMe } from '../../app/session.tsx';
import type { ResourceView } from '../../app/types.ts';
import { TestNotificationButton } from './test-notification.tsx';

/**
 * Under a saved ContactPoint's editor, for members of its team: a test notification to it as saved
 * (the server sends what it has stored, so unsaved edits are not what is tested).
 */
export default function ContactPointTestPanel({ document, stored }: { document: EditedDocument; stored: ResourceView | null }) {
  const me = useMe();
  if (!stored || !canWrite(me, stored.metadata.owner)) return null;
  const edited = JSON.stringify(document.spec) !== JSON.stringify(stored.spec);
  return (
    <Card withBorder component="section" aria-label="Test notification">
      <Stack gap="xs">
        <Title order={2} fz="lg">
          Test notification
        </Title>
        <Text size="sm" c="dimmed">
          Sends a TestNotification alert (severity info) to {stored.metadata.name} as saved, and shows how the receiver answered.
          {edited ? ' You have unsaved changes: save them first to test them.' : ''}
        </Text>
        <TestNotificationButton owner={stored.metadata.owner} name={stored.metadata.name} size="xs" />
      </Stack>
    </Card>
  );
}
