import { Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';

/** Sets the browser tab's title while a page is shown. */
export function useDocumentTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Ethos` : 'Ethos';
  }, [title]);
}

/** The heading of a page, with optional context below it and actions on the right. */
export function PageHeader({ title, subtitle, actions, children }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode; children?: ReactNode }) {
  return (
    <Stack gap={6} mb="md">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <Title order={1} fz={{ base: 22, sm: 26 }} style={{ wordBreak: 'break-word' }}>
          {title}
        </Title>
        {actions && <Group gap="xs">{actions}</Group>}
      </Group>
      {subtitle && (
        <Text c="dimmed" size="sm" component="div">
          {subtitle}
        </Text>
      )}
      {children}
    </Stack>
  );
}
