import { Alert, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api.ts';

/** A centred spinner for a page or a section that is loading. */
export function PageLoader({ label = 'Loading' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" aria-hidden />
        <Text c="dimmed" size="sm">
          {label}…
        </Text>
      </Group>
    </Center>
  );
}

function hint(err: unknown): string | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 0) return null;
  if (err.status === 403) return 'You do not have permission for this. Ask a maintainer of the owning team or an administrator.';
  if (err.status >= 500) return 'This is a problem on the server; its log has the details. Try again in a moment.';
  return null;
}

/** Explains an error (the server's message, plus what to do) with an optional retry. */
export function ErrorState({ error, retry, title = 'Something went wrong' }: { error: unknown; retry?: () => void; title?: string }) {
  const code = error instanceof ApiError ? error.code : null;
  const extra = hint(error);
  return (
    <Alert color="red" title={title} role="alert" my="sm">
      <Stack gap="xs">
        <Text size="sm">{errorMessage(error)}</Text>
        {extra && (
          <Text size="sm" c="dimmed">
            {extra}
          </Text>
        )}
        {code && (
          <Text size="xs" c="dimmed">
            Error code: {code}
          </Text>
        )}
        {retry && (
          <div>
            <Button size="xs" variant="light" color="red" onClick={retry}>
              Try again
            </Button>
          </div>
        )}
      </Stack>
    </Alert>
  );
}

/** What an empty list means, and what to do about it. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Stack gap={4} py="lg" align="center" ta="center">
      <Text fw={600}>{title}</Text>
      {children && (
        <Text size="sm" c="dimmed" maw={520}>
          {children}
        </Text>
      )}
    </Stack>
  );
}
