import { Anchor, Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useNavigate } from 'react-router';
import { useMe, useSignOut } from '../../app/session.tsx';
import { useDocumentTitle } from '../../app/ui/page.tsx';
import { ChangePasswordForm } from './password-form.tsx';

/** Set a new password: required before anything else for new, reset and bootstrap accounts. */
export default function ChangePasswordPage() {
  useDocumentTitle('Choose a new password');
  const me = useMe();
  const navigate = useNavigate();
  const signOut = useSignOut();
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={480} component="main">
        <Stack>
          <div>
            <Title order={1} fz={24}>
              Choose a new password
            </Title>
            <Text c="dimmed" size="sm">
              {me.user.mustChangePassword
                ? `Welcome, ${me.user.name}. Your account has a temporary password: choose your own before you continue.`
                : 'Change the password of your account.'}
            </Text>
          </div>
          <ChangePasswordForm userName={me.user.name} submitLabel="Set new password" onChanged={() => void navigate('/', { replace: true })} />
          <Group justify="flex-end">
            <Anchor component="button" type="button" size="sm" onClick={() => void signOut()}>
              Sign out
            </Anchor>
          </Group>
        </Stack>
      </Paper>
    </Center>
  );
}
