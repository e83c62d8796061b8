import { Alert, Button, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type ChangeEvent, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import { meQueryKey } from '../../app/session.tsx';
import type { Me, ProfilePatch, UserView } from '../../app/types.ts';

const DISPLAY_NAME_MAX = 200;
const EMAIL_MAX = 254;
// a first check while typing; the server's validation has the last word and its message shows on the field
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What a field's value is sent as: blank removes it. */
const valueOf = (s: string) => s.trim() || null;

function emailProblem(email: string): string | undefined {
  const v = email.trim();
  if (!v) return undefined;
  if (v.length > EMAIL_MAX) return `Use at most ${EMAIL_MAX} characters.`;
  return EMAIL_SHAPE.test(v) ? undefined : 'Enter an email address like name@example.com.';
}

/** Edit your own display name and email address (PATCH /api/v1/me). */
export function ProfileForm({ user }: { user: UserView }) {
  const queryClient = useQueryClient();
  const [displayName, setDisplayName] = useState(user.displayName ?? '');
  const [email, setEmail] = useState(user.email ?? '');
  const [emailTouched, setEmailTouched] = useState(false);
  const patch: ProfilePatch = {
    ...(valueOf(displayName) !== user.displayName ? { displayName: valueOf(displayName) } : {}),
    ...(valueOf(email) !== user.email ? { email: valueOf(email) } : {}),
  };
  const save = useMutation({
    mutationFn: (body: ProfilePatch) => api<{ user: UserView }>('/me', { method: 'PATCH', body }),
    onSuccess: ({ user: saved }) => {
      // the header and every page reading the session show the new name at once
      queryClient.setQueryData<Me | null>(meQueryKey, (me) => (me ? { ...me, user: saved } : me));
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      setDisplayName(saved.displayName ?? '');
      setEmail(saved.email ?? '');
      setEmailTouched(false);
      notifications.show({ color: 'green', title: 'Profile saved', message: 'Your display name and email address are up to date.' });
    },
  });
  const serverIssue = (field: string) =>
    save.error instanceof ApiError
      ? save.error.issues
          .filter((i) => i.path === `/${field}`)
          .map((i) => i.message)
          .join('; ') || undefined
      : undefined;
  const nameProblem = displayName.trim().length > DISPLAY_NAME_MAX ? `Use at most ${DISPLAY_NAME_MAX} characters.` : undefined;
  const mailProblem = emailProblem(email);
  const fieldErrors = { displayName: nameProblem ?? serverIssue('displayName'), email: (emailTouched ? mailProblem : undefined) ?? serverIssue('email') };
  const unchanged = !Object.keys(patch).length;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setEmailTouched(true);
    if (!unchanged && !nameProblem && !mailProblem) save.mutate(patch);
  };
  /** A field's value, its error, and an edit that clears the last answer's problems. */
  const bind = (value: string, set: (v: string) => void, error: string | undefined) => ({
    value,
    error,
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      set(e.currentTarget.value);
      save.reset();
    },
  });
  const otherError = save.error && !fieldErrors.displayName && !fieldErrors.email ? save.error : null;
  return (
    <form onSubmit={submit} method="post" noValidate aria-label="Edit profile">
      <Stack maw={420}>
        {otherError && (
          <Alert color="red" role="alert" title="Your profile was not saved">
            {errorMessage(otherError)}
          </Alert>
        )}
        <TextInput
          label="Display name"
          description="Shown in place of your user name. Leave it empty to show your user name."
          autoComplete="name"
          maxLength={DISPLAY_NAME_MAX}
          {...bind(displayName, setDisplayName, fieldErrors.displayName)}
        />
        <TextInput
          label="Email"
          type="email"
          description="For change-request notifications. Only you and administrators see it."
          autoComplete="email"
          maxLength={EMAIL_MAX}
          {...bind(email, setEmail, fieldErrors.email)}
          onBlur={() => setEmailTouched(true)}
        />
        <div>
          <Button type="submit" loading={save.isPending} disabled={unchanged || !!nameProblem || (emailTouched && !!mailProblem)}>
            Save profile
          </Button>
        </div>
      </Stack>
    </form>
  );
}
