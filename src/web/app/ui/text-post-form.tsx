import { Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../api.ts';

/**
 * A text box and a button that posts what was written (an incident's note, a review comment);
 * the box empties once the post succeeded, and the server's message shows when it did not.
 */
export function TextPostForm({ formLabel, label, placeholder, maxLength, button, send }: { formLabel: string; label: string; placeholder: string; maxLength: number; button: string; send(text: string): Promise<unknown> }) {
  const [text, setText] = useState('');
  const add = useMutation({ mutationFn: () => send(text.trim()), onSuccess: () => setText('') });
  return (
    <form
      aria-label={formLabel}
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate();
      }}
    >
      <Stack gap={6}>
        <Textarea label={label} placeholder={placeholder} autosize minRows={2} value={text} onChange={(e) => setText(e.currentTarget.value)} maxLength={maxLength} />
        {add.error && (
          <Text c="red" size="sm" role="alert">
            {errorMessage(add.error)}
          </Text>
        )}
        <Group>
          <Button type="submit" size="xs" variant="light" loading={add.isPending} disabled={!text.trim()}>
            {button}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
