import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';

/** A button that asks before doing something that cannot be undone lightly. */
export function ConfirmButton({
  children,
  title,
  message,
  confirmLabel,
  onConfirm,
  loading,
  color = 'red',
  ...props
}: ButtonProps & { children: ReactNode; title: string; message: ReactNode; confirmLabel: string; onConfirm(): void; loading?: boolean; 'aria-label'?: string }) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button color={color} variant="light" size="xs" {...props} onClick={open} loading={loading}>
        {children}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm" component="div">
            {message}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color={color}
              onClick={() => {
                close();
                onConfirm();
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
