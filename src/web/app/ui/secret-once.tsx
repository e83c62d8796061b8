import type { ReactNode } from 'react';
import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';

/** A secret the server shows only once (a token, a temporary password), with a copy button. */
export function SecretOnce({ label, value, children }: { label: string; value: string; children?: ReactNode }) {
  return (
    <Alert color="yellow" title={`${label} — shown only now`} role="status">
      <Stack gap="xs">
        <Text size="sm">{children ?? 'Copy it now: Ethos stores only a hash and cannot show it again.'}</Text>
        <Group gap="xs" wrap="nowrap" align="center">
          <Code block style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} aria-label={label} data-testid="secret-value">
            {value}
          </Code>
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Button size="xs" color={copied ? 'teal' : 'blue'} onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}
