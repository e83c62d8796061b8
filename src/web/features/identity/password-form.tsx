import { Alert, Button, PasswordInput, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../app/api.ts';
import { meQueryKey } from '../../app/session.tsx';

/** Change your own password (10 to 256 characters, not containing your user name). */
export function ChangePasswordForm({ userName, onChanged, submitLabel = 'Change password' }: { userName: string; onChanged?(): void; submitLabel?: string }) {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const change = useMutation({
    mutationFn: () => api('/me/password', { method: 'POST', body: { currentPassword: current, newPassword: next } }),
    onSuccess: async () => {
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(true);
      await queryClient.invalidateQueries({ queryKey: meQueryKey });
      onChanged?.();
    },
  });
  const problem =
    next && next.length < 10
      ? 'Use at least 10 characters.'
      : next && next.toLowerCase().includes(userName.toLowerCase())
        ? 'The password must not contain your user name.'
        : confirm && confirm !== next
          ? 'The two new passwords differ.'
          : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    if (!problem && current && next && next === confirm) change.mutate();
  };
  return (
    <form onSubmit={submit} method="post" noValidate aria-label="Change password">
      <Stack maw={420}>
        {done && (
          <Alert color="green" role="status">
            Your password was changed. Your other sessions were signed out.
          </Alert>
        )}
        {change.error && (
          <Alert color="red" role="alert" title="The password was not changed">
            {errorMessage(change.error)}
          </Alert>
        )}
        <PasswordInput label="Current password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.currentTarget.value)} />
        <PasswordInput
          label="New password"
          description="10 to 256 characters, not containing your user name. A passphrase of a few words works well."
          autoComplete="new-password"
          required
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
          error={next && problem && problem !== 'The two new passwords differ.' ? problem : undefined}
        />
        <PasswordInput
          label="Repeat the new password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.currentTarget.value)}
          error={problem === 'The two new passwords differ.' ? problem : undefined}
        />
        <Text size="xs" c="dimmed">
          Changing your password signs out your other sessions; this one stays signed in.
        </Text>
        <div>
          <Button type="submit" loading={change.isPending} disabled={!current || !next || !confirm || !!problem}>
            {submitLabel}
          </Button>
        </div>
      </Stack>
    </form>
  );
}
