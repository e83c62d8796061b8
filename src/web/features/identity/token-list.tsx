import { Alert, Badge, Button, Checkbox, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../app/api.ts';
import { useMe } from '../../app/session.tsx';
import { ConfirmButton } from '../../app/ui/confirm.tsx';
import { SecretOnce } from '../../app/ui/secret-once.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { formatDate, TimeAgo } from '../../app/ui/time.tsx';
import type { TokenView } from '../../app/types.ts';

type Scope = 'read' | 'write' | 'ingest';

function tokenState(t: TokenView): { label: string; color: string } {
  if (t.revokedAt) return { label: 'revoked', color: 'gray' };
  if (t.expiresAt && new Date(t.expiresAt).getTime() < Date.now()) return { label: 'expired', color: 'orange' };
  return { label: 'active', color: 'green' };
}

/** Create an API token: personal, for a team you maintain, or (admins) for ingest. */
function CreateTokenForm({ onCreated }: { onCreated(token: TokenView & { token: string }): void }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const maintained = me.teams.filter((t) => t.role === 'maintainer').map((t) => t.team);
  const [name, setName] = useState('');
  const [type, setType] = useState<'personal' | 'team' | 'ingest'>('personal');
  const [team, setTeam] = useState<string | null>(maintained[0] ?? null);
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [expires, setExpires] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api<TokenView & { token: string }>('/tokens', {
        method: 'POST',
        body: {
          name,
          type,
          ...(type === 'team' && team ? { team } : {}),
          scopes: type === 'ingest' ? ['ingest'] : scopes,
          ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
        },
      }),
    onSuccess: (token) => {
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
      onCreated(token);
    },
  });
  const types = [
    { value: 'personal', label: 'Personal (acts as you)' },
    ...(maintained.length || me.user.admin ? [{ value: 'team', label: 'Team service account' }] : []),
    ...(me.user.admin ? [{ value: 'ingest', label: 'Organisation ingest (telemetry only)' }] : []),
  ];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name && (type === 'ingest' || scopes.length)) create.mutate();
  };
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return (
    <form onSubmit={submit} aria-label="Create a token">
      <Stack>
        {create.error && (
          <Alert color="red" role="alert" title="The token was not created">
            {errorMessage(create.error)}
          </Alert>
        )}
        <TextInput label="Name" description="What the token is for, e.g. “laptop CLI” or “payments CI”." required value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={100} />
        {types.length > 1 && <Select label="Type" data={types} value={type} onChange={(v) => setType((v as typeof type) ?? 'personal')} allowDeselect={false} />}
        {type === 'team' && (
          <TextInput label="Team" description={maintained.length ? `You maintain: ${maintained.join(', ')}` : 'The team the service account belongs to.'} required value={team ?? ''} onChange={(e) => setTeam(e.currentTarget.value)} />
        )}
        {type !== 'ingest' && (
          <Checkbox.Group label="Scopes" description="read: every GET; write: every change your role allows." value={scopes} onChange={(v) => setScopes(v as Scope[])} required>
            <Group mt={6}>
              <Checkbox value="read" label="read" />
              <Checkbox value="write" label="write" />
              <Checkbox value="ingest" label="ingest" />
            </Group>
          </Checkbox.Group>
        )}
        <TextInput type="date" label="Expires on (optional)" description="The token stops working at the end of that day. Leave empty for no expiry." min={tomorrow} value={expires} onChange={(e) => setExpires(e.currentTarget.value)} />
        <div>
          <Button type="submit" loading={create.isPending} disabled={!name || (type !== 'ingest' && !scopes.length)}>
            Create token
          </Button>
        </div>
      </Stack>
    </form>
  );
}

/** Tokens as a table with revoke buttons; `all` lists every token (admins). */
export function TokenList({ all = false }: { all?: boolean }) {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<(TokenView & { token: string }) | null>(null);
  const [opened, { open, close }] = useDisclosure(false);
  const tokens = useQuery({ queryKey: ['tokens', { all }], queryFn: () => api<{ items: TokenView[] }>('/tokens', { query: { all: all ? 'true' : undefined } }) });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens'] }),
  });

  return (
    <Stack>
      {!all && (
        <Group>
          <Button
            onClick={() => {
              setCreated(null);
              open();
            }}
          >
            New token
          </Button>
        </Group>
      )}
      {created && <SecretOnce label={`Token “${created.name}”`} value={created.token} />}
      {revoke.error && <ErrorState error={revoke.error} title="The token was not revoked" />}
      {tokens.isPending ? (
        <PageLoader label="Loading tokens" />
      ) : tokens.error ? (
        <ErrorState error={tokens.error} retry={() => void tokens.refetch()} />
      ) : !tokens.data.items.length ? (
        <EmptyState title="No tokens yet">Tokens let scripts, CI and the ethos command line act for you. Create one and copy it: it is shown only once.</EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped highlightOnHover aria-label="API tokens">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Type</Table.Th>
                {all && <Table.Th>Acts as</Table.Th>}
                <Table.Th>Scopes</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.data.items.map((t) => {
                const state = tokenState(t);
                return (
                  <Table.Tr key={t.id}>
                    <Table.Td>{t.name}</Table.Td>
                    <Table.Td>{t.type}</Table.Td>
                    {all && <Table.Td>{t.type === 'personal' ? t.user : t.type === 'team' ? `${t.team}/${t.name}` : `ingest/${t.name}`}</Table.Td>}
                    <Table.Td>{t.scopes.join(', ')}</Table.Td>
                    <Table.Td>
                      <Text size="sm" title={`by ${t.createdBy}`}>
                        {formatDate(t.createdAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>{t.expiresAt ? formatDate(t.expiresAt) : 'never'}</Table.Td>
                    <Table.Td>{t.lastUsedAt ? <TimeAgo at={t.lastUsedAt} /> : 'never'}</Table.Td>
                    <Table.Td>
                      <Badge color={state.color} variant="light">
                        {state.label}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {!t.revokedAt && (
                        <ConfirmButton
                          aria-label={`Revoke token ${t.name}`}
                          title="Revoke this token?"
                          message={`Anything using “${t.name}” stops working at once. This cannot be undone.`}
                          confirmLabel="Revoke"
                          loading={revoke.isPending && revoke.variables === t.id}
                          onConfirm={() => revoke.mutate(t.id)}
                        >
                          Revoke
                        </ConfirmButton>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={opened} onClose={close} title="Create an API token">
        <CreateTokenForm
          onCreated={(t) => {
            setCreated(t);
            close();
          }}
        />
      </Modal>
    </Stack>
  );
}
