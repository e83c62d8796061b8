import { Alert, Badge, Box, Button, Checkbox, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate } from 'react-router';
import { api, errorMessage } from '../../app/api.ts';
import { useMe } from '../../app/session.tsx';
import { ConfirmButton } from '../../app/ui/confirm.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { PagerControls, useLocalPager } from '../../app/ui/pager.tsx';
import { SecretOnce } from '../../app/ui/secret-once.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate } from '../../app/ui/time.tsx';
import type { Page, UserView } from '../../app/types.ts';

type UserAnswer = { user: UserView; temporaryPassword: string | null };

function CreateUserForm({ onCreated }: { onCreated(a: UserAnswer): void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [admin, setAdmin] = useState(false);
  const create = useMutation({
    mutationFn: () => api<UserAnswer>('/users', { method: 'POST', body: { name, admin, ...(displayName ? { displayName } : {}), ...(email ? { email } : {}) } }),
    onSuccess: (a) => {
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      onCreated(a);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name) create.mutate();
  };
  return (
    <form onSubmit={submit} aria-label="Create a user">
      <Stack>
        {create.error && (
          <Alert color="red" role="alert" title="The user was not created">
            {errorMessage(create.error)}
          </Alert>
        )}
        <TextInput label="User name" description="Letters and digits, with - _ . between them; unique ignoring case." required value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={63} />
        <TextInput label="Display name" value={displayName} onChange={(e) => setDisplayName(e.currentTarget.value)} maxLength={200} />
        <TextInput label="Email" type="email" description="For change-request notifications." value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
        <Checkbox label="Administrator" checked={admin} onChange={(e) => setAdmin(e.currentTarget.checked)} />
        <Text size="xs" c="dimmed">
          Ethos generates a temporary password and shows it once; the user chooses their own at the first sign-in.
        </Text>
        <div>
          <Button type="submit" loading={create.isPending} disabled={!name}>
            Create user
          </Button>
        </div>
      </Stack>
    </form>
  );
}

/** Users (admins): create, disable or enable, reset passwords, grant admin. */
export default function UsersPage() {
  useDocumentTitle('Users');
  const me = useMe();
  const queryClient = useQueryClient();
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const pager = useLocalPager();
  const [secret, setSecret] = useState<{ name: string; password: string } | null>(null);
  const [opened, { open, close }] = useDisclosure(false);
  const users = useQuery({
    queryKey: ['users', { q: debounced, cursor: pager.cursor }],
    queryFn: () => api<Page<UserView>>('/users', { query: { q: debounced, cursor: pager.cursor, limit: 50 } }),
    placeholderData: keepPreviousData,
  });
  const update = useMutation({
    mutationFn: (v: { name: string; patch: Record<string, unknown> }) => api<UserAnswer>(`/users/${encodeURIComponent(v.name)}`, { method: 'PATCH', body: v.patch }),
    onSuccess: (a) => {
      if (a.temporaryPassword) setSecret({ name: a.user.name, password: a.temporaryPassword });
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });
  if (!me.user.admin) return <Navigate to="/" replace />;

  return (
    <>
      <PageHeader
        title="Users"
        subtitle="Team membership is not part of a user: it is edited on each team's page."
        actions={
          <Button
            onClick={() => {
              setSecret(null);
              open();
            }}
          >
            New user
          </Button>
        }
      />
      {secret && (
        <Box mb="md">
          <SecretOnce label={`Temporary password of ${secret.name}`} value={secret.password}>
            Give it to {secret.name} in a safe way. They must choose a new password when they first sign in; it is not shown again.
          </SecretOnce>
        </Box>
      )}
      {update.error && <ErrorState error={update.error} title="The user was not changed" />}
      <TextInput
        label="Search users"
        placeholder="Name"
        value={q}
        onChange={(e) => {
          setQ(e.currentTarget.value);
          pager.reset();
        }}
        maw={320}
        mb="sm"
      />
      {users.isPending ? (
        <PageLoader label="Loading users" />
      ) : users.error ? (
        <ErrorState error={users.error} retry={() => void users.refetch()} />
      ) : !users.data.items.length ? (
        <EmptyState title={debounced ? `No user matches “${debounced}”` : 'No users'} />
      ) : (
        <>
          <Table.ScrollContainer minWidth={760}>
            <Table striped highlightOnHover aria-label="Users">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>User</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.items.map((u) => {
                  const self = u.name.toLowerCase() === me.user.name.toLowerCase();
                  const busy = update.isPending && update.variables?.name === u.name;
                  return (
                    <Table.Tr key={u.name}>
                      <Table.Td>
                        <Text size="sm" fw={500}>
                          {u.name}
                        </Text>
                        {u.displayName && (
                          <Text size="xs" c="dimmed">
                            {u.displayName}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>{u.email ?? '—'}</Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {u.admin && <Badge>admin</Badge>}
                          {u.disabled ? (
                            <Badge color="gray">disabled</Badge>
                          ) : (
                            <Badge color="green" variant="light">
                              active
                            </Badge>
                          )}
                          {u.mustChangePassword && (
                            <Badge color="yellow" variant="light">
                              must change password
                            </Badge>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>{formatDate(u.createdAt)}</Table.Td>
                      <Table.Td>
                        <Group gap={6}>
                          {!self &&
                            (u.disabled ? (
                              <Button size="xs" variant="light" loading={busy} onClick={() => update.mutate({ name: u.name, patch: { disabled: false } })} aria-label={`Enable ${u.name}`}>
                                Enable
                              </Button>
                            ) : (
                              <ConfirmButton
                                aria-label={`Disable ${u.name}`}
                                title={`Disable ${u.name}?`}
                                message="They are signed out everywhere, cannot sign in, and their personal tokens stop working until you enable them again."
                                confirmLabel="Disable"
                                loading={busy}
                                onConfirm={() => update.mutate({ name: u.name, patch: { disabled: true } })}
                              >
                                Disable
                              </ConfirmButton>
                            ))}
                          <ConfirmButton
                            color="orange"
                            aria-label={`Reset the password of ${u.name}`}
                            title={`Reset the password of ${u.name}?`}
                            message="Their sessions end and Ethos shows a new temporary password once; they choose their own at the next sign-in."
                            confirmLabel="Reset password"
                            loading={busy}
                            onConfirm={() => update.mutate({ name: u.name, patch: { resetPassword: true } })}
                          >
                            Reset password
                          </ConfirmButton>
                          {!self && (
                            <Button size="xs" variant="subtle" loading={busy} onClick={() => update.mutate({ name: u.name, patch: { admin: !u.admin } })} aria-label={u.admin ? `Remove admin from ${u.name}` : `Make ${u.name} an admin`}>
                              {u.admin ? 'Remove admin' : 'Make admin'}
                            </Button>
                          )}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <PagerControls pager={pager} nextCursor={users.data.nextCursor} loading={users.isFetching} label="User pages" />
        </>
      )}
      <Modal opened={opened} onClose={close} title="Create a user">
        <CreateUserForm
          onCreated={(a) => {
            if (a.temporaryPassword) setSecret({ name: a.user.name, password: a.temporaryPassword });
            close();
          }}
        />
      </Modal>
    </>
  );
}
