import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, errorMessage, setCsrfToken } from '../../app/api.ts';
import { meQuery, safeNext } from '../../app/session.tsx';
import { useDocumentTitle } from '../../app/ui/page.tsx';
import { PageLoader } from '../../app/ui/states.tsx';
import type { UserView } from '../../app/types.ts';

function signInError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'AUTH_FAILED') return 'Wrong user name or password (or the account is disabled).';
    if (err.code === 'RATE_LIMITED') return 'Too many failed sign-ins. Wait 15 minutes, or ask an administrator to reset your password.';
    return err.message;
  }
  return String(err);
}

/** Sign in with a user name and password; the server sets the session cookie. */
export default function SignInPage() {
  useDocumentTitle('Sign in');
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useQuery(meQuery);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');

  const login = useMutation({
    mutationFn: () => api<{ user: UserView; csrfToken: string }>('/auth/login', { method: 'POST', body: { username, password } }),
    onSuccess: async (res) => {
      setCsrfToken(res.csrfToken);
      setPassword('');
      await queryClient.fetchQuery({ ...meQuery, staleTime: 0 });
      void navigate(res.user.mustChangePassword ? '/change-password' : next, { replace: true });
    },
  });

  if (me.isPending) return <PageLoader />;
  if (me.data && !login.isPending) return <Navigate to={me.data.user.mustChangePassword ? '/change-password' : next} replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (username && password) login.mutate();
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={400} component="main">
        <form onSubmit={submit} method="post" noValidate aria-labelledby="sign-in-title">
          <Stack>
            <div>
              <Title order={1} fz={26} id="sign-in-title">
                Sign in to Ethos
              </Title>
              <Text c="dimmed" size="sm">
                Your teams, their services, and the changes waiting for you.
              </Text>
            </div>
            {login.error && (
              <Alert color="red" role="alert" title="Could not sign in">
                {signInError(login.error)}
              </Alert>
            )}
            {me.error && <Alert color="red">{errorMessage(me.error)}</Alert>}
            <TextInput label="User name" name="username" autoComplete="username" required autoFocus value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
            <PasswordInput label="Password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <Button type="submit" loading={login.isPending} disabled={!username || !password}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
