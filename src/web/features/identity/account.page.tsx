import { Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useMe } from '../../app/session.tsx';
import { AppLink, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { formatDate } from '../../app/ui/time.tsx';
import { ChangePasswordForm } from './password-form.tsx';
import { ProfileForm } from './profile-form.tsx';

/** Your profile (display name and email, which you edit), your teams and your password. */
export default function AccountPage() {
  useDocumentTitle('Profile');
  const me = useMe();
  const u = me.user;
  return (
    <>
      <PageHeader title="Your profile" subtitle="Your account and profile, the teams you belong to, and your password." />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Card withBorder>
          <Title order={2} fz="lg" mb="sm">
            Account
          </Title>
          <Table variant="vertical" layout="fixed" withTableBorder={false}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={140}>User name</Table.Th>
                <Table.Td>{u.name}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Role</Table.Th>
                <Table.Td>{u.admin ? <Badge>administrator</Badge> : 'user'}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Member since</Table.Th>
                <Table.Td>{formatDate(u.createdAt)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Title order={2} fz="lg" mt="lg" mb="sm">
            Profile
          </Title>
          <ProfileForm user={u} />
          <Title order={2} fz="lg" mt="lg" mb="sm">
            Teams
          </Title>
          {me.teams.length ? (
            <Stack gap={6}>
              {me.teams.map((t) => (
                <Group key={t.team} gap="xs">
                  <AppLink to={teamUrl(t.team)}>{t.team}</AppLink>
                  <Badge variant="light" color={t.role === 'maintainer' ? 'blue' : 'gray'}>
                    {t.role}
                  </Badge>
                </Group>
              ))}
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              You are not in a team yet. A team's maintainers add members on the team's page; or <AppLink to="/teams/new">create a team</AppLink>.
            </Text>
          )}
        </Card>
        <Card withBorder>
          <Title order={2} fz="lg" mb="sm">
            Change password
          </Title>
          <ChangePasswordForm userName={u.name} />
        </Card>
      </SimpleGrid>
    </>
  );
}
