import { ActionIcon, Alert, Anchor, Autocomplete, Breadcrumbs, Button, Card, Group, List, SegmentedControl, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, errorMessage } from '../../app/api.ts';
import { features } from '../../app/features.ts';
import { canWrite, meQueryKey, roleIn, useMe } from '../../app/session.tsx';
import { ConfirmButton } from '../../app/ui/confirm.tsx';
import { LazyDiff } from '../../app/ui/diff/index.tsx';
import { changeRequestUrl, resourceUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { ErrorState, PageLoader } from '../../app/ui/states.tsx';
import type { ChangeRequestView, Issue, KindView, ResourceView } from '../../app/types.ts';
import { useTeamSuggestions } from '../catalog/catalog.api.ts';
import { hintFor } from './field-hints.ts';
import { issuesAt, SchemaFields, type JsonSchema } from './schema-form.tsx';

const YamlEditor = lazy(() => import('./yaml-editor.tsx'));

/** The panels features add under the editor of a kind (an AlertRule's preview), each loaded on first use. */
const panels = features
  .flatMap((f) => f.editorPanels ?? [])
  .sort((a, b) => a.order - b.order)
  .map((p) => ({ ...p, Component: lazy(p.load) }));

/** The registered panels for this kind that the document, as edited, calls for. */
function EditorPanels({ kind, document, stored }: { kind: string; document: EditableDocument; stored: ResourceView | null }) {
  const shown = panels.filter((p) => p.kind.toLowerCase() === kind.toLowerCase() && (p.visible?.(document) ?? true));
  if (!shown.length) return null;
  return (
    <Stack mt="lg">
      {shown.map((p) => (
        <Suspense key={p.id} fallback={<PageLoader label="Loading" />}>
          <p.Component document={document} stored={stored} />
        </Suspense>
      ))}
    </Stack>
  );
}

type Obj = Record<string, unknown>;

/** An editable document: the envelope with plain objects. */
export interface EditableDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; owner?: string; title?: string; description?: string; labels?: Record<string, string> } & Obj;
  spec: Obj;
}

/** The document to send: without the read-only fields a GET adds. */
function toWritable(doc: EditableDocument): EditableDocument {
  const { revision: _r, createdAt: _c, updatedAt: _u, ...metadata } = doc.metadata as Obj;
  return { ...doc, metadata: metadata as EditableDocument['metadata'] };
}

function blankDocument(kind: string, owner: string | null, name = '', spec: Obj = {}): EditableDocument {
  return { apiVersion: 'ethos/v1', kind, metadata: { name, ...(owner ? { owner } : {}), labels: {} }, spec };
}

/** A spec to start a new resource from (`?spec=` holds it as JSON); anything but an object is ignored. */
function specParam(text: string | null): Obj | undefined {
  if (!text) return undefined;
  try {
    const spec: unknown = JSON.parse(text);
    return spec && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Obj) : undefined;
  } catch {
    return undefined;
  }
}

function LabelsEditor({ labels, onChange, issues }: { labels: Record<string, string>; onChange(l: Record<string, string>): void; issues: Issue[] }) {
  // rows keep their order while typing; an empty key is dropped when the document is built
  const [rows, setRows] = useState<[string, string][]>(() => Object.entries(labels));
  const update = (next: [string, string][]) => {
    setRows(next);
    onChange(Object.fromEntries(next.filter(([k]) => k.trim() !== '')));
  };
  return (
    <Stack gap={6}>
      <Text size="sm" fw={500}>
        Labels
      </Text>
      {rows.map(([k, v], i) => (
        <Group key={i} gap="xs" wrap="nowrap" align="flex-start">
          <TextInput aria-label={`Label ${i + 1} key`} placeholder="key" value={k} onChange={(e) => update(rows.map((r, j) => (j === i ? [e.currentTarget.value, r[1]] : r)))} style={{ flex: 1 }} error={issuesAt(issues, `metadata.labels.${k}`)} />
          <TextInput aria-label={`Label ${i + 1} value`} placeholder="value" value={v} onChange={(e) => update(rows.map((r, j) => (j === i ? [r[0], e.currentTarget.value] : r)))} style={{ flex: 1 }} />
          <ActionIcon variant="subtle" color="red" mt={6} aria-label={`Remove label ${i + 1}`} onClick={() => update(rows.filter((_, j) => j !== i))}>
            ✕
          </ActionIcon>
        </Group>
      ))}
      <div>
        <Button variant="light" size="xs" onClick={() => update([...rows, ['', '']])}>
          Add label
        </Button>
      </div>
      {issuesAt(issues, 'metadata.labels') && (
        <Text size="xs" c="red">
          {issuesAt(issues, 'metadata.labels')}
        </Text>
      )}
    </Stack>
  );
}

function OwnerInput({ value, onChange, error, disabled }: { value: string; onChange(v: string): void; error?: string; disabled?: boolean }) {
  const me = useMe();
  const [debounced] = useDebouncedValue(value, 250);
  const teams = useTeamSuggestions(debounced);
  const mine = me.teams.map((t) => t.team);
  // one option per team, ignoring case (memberships are keyed in lower case, lists show the spelling)
  const byKey = new Map<string, string>();
  for (const t of [...mine, ...(teams.data ?? [])]) byKey.set(t.toLowerCase(), t);
  const data = [...byKey.values()];
  return (
    <Autocomplete
      label="Owner team"
      description="The team that owns it: its members write it directly, everyone else proposes changes."
      required
      data={data}
      value={value}
      onChange={onChange}
      error={error}
      disabled={disabled}
    />
  );
}

interface Conflict {
  current: ResourceView;
}

/** The form + YAML editor for one resource; saves as owner, proposes as anyone else. */
function EditorForm({ kind, kindView, current, changeRequest, prefill }: { kind: string; kindView: KindView; current: ResourceView | null; changeRequest?: ChangeRequestView; prefill?: { name?: string; owner?: string; spec?: Obj } }) {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // a stale proposal is redone on top of the current revision: the editor starts from it
  const rebase = !!changeRequest?.stale && !!current && !!changeRequest.conflict;
  const [doc, setDoc] = useState<EditableDocument>(() =>
    changeRequest?.document && !rebase
      ? (structuredClone(changeRequest.document) as unknown as EditableDocument)
      : current
        ? toWritable(structuredClone(current) as unknown as EditableDocument)
        : blankDocument(kind, prefill?.owner ?? me.teams[0]?.team ?? null, prefill?.name, prefill?.spec),
  );
  const [base, setBase] = useState<ResourceView | null>(current);
  const [mode, setMode] = useState<'form' | 'yaml'>('form');
  const [yamlError, setYamlError] = useState<string | null>(null);
  const [yamlKey, setYamlKey] = useState(0);
  const [message, setMessage] = useState(changeRequest?.message ?? '');
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const isNew = !current;
  const selfOwned = kindView.selfOwned;
  const name = doc.metadata.name ?? '';
  const owner = selfOwned ? name : (doc.metadata.owner ?? '');
  // a new team is always written by its creator; otherwise members (and admins) write, others propose
  const writer = changeRequest ? false : isNew ? (selfOwned ? true : canWrite(me, owner)) : canWrite(me, current!.metadata.owner) && (kind !== 'Team' || roleIn(me, current!.metadata.name) !== null || me.user.admin);
  const verb = changeRequest ? 'Update change request' : writer ? (isNew ? 'Create' : 'Save') : 'Propose change';

  const document = (): EditableDocument => {
    const d = toWritable(doc);
    return selfOwned ? { ...d, metadata: { ...d.metadata, owner: d.metadata.name } } : d;
  };
  const done = async (view: ResourceView) => {
    await queryClient.invalidateQueries({ queryKey: ['resources', kind] });
    // team writes change memberships, and so what the user may do
    if (kind === 'Team') await queryClient.invalidateQueries({ queryKey: meQueryKey });
    notifications.show({ color: 'green', title: isNew ? 'Created' : 'Saved', message: `${kind}/${view.metadata.name} is at revision ${view.metadata.revision}.` });
    void navigate(resourceUrl(kind, view.metadata.name));
  };

  const save = useMutation({
    mutationFn: () => {
      const d = document();
      return api<ResourceView>(`/resources/${encodeURIComponent(kind)}/${encodeURIComponent(d.metadata.name)}`, {
        method: 'PUT',
        body: d,
        query: { message: message.trim() || undefined },
        headers: base ? { 'if-match': `"${base.metadata.revision}"` } : { 'if-none-match': '*' },
      });
    },
    onSuccess: done,
    onError: async (err) => {
      if (err instanceof ApiError && err.code === 'RESOURCE_CONFLICT' && !isNew) {
        const latest = await api<ResourceView>(`/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`).catch(() => null);
        if (latest) setConflict({ current: latest });
      }
    },
  });
  const propose = useMutation({
    mutationFn: () => {
      const body = { document: document(), message: message.trim(), ...(changeRequest ? { baseRevision: changeRequest.currentRevision } : { baseRevision: base?.metadata.revision ?? 0 }) };
      return changeRequest
        ? api<ChangeRequestView>(`/change-requests/${changeRequest.id}`, { method: 'PATCH', body })
        : api<ChangeRequestView>('/change-requests', { method: 'POST', body });
    },
    onSuccess: async (cr) => {
      await queryClient.invalidateQueries({ queryKey: ['change-requests'] });
      notifications.show({ color: 'green', title: changeRequest ? 'Change request updated' : 'Change proposed', message: `Change request #${cr.id} is waiting for ${cr.owner}'s review.` });
      void navigate(changeRequestUrl(cr.id));
    },
  });
  const remove = useMutation({
    mutationFn: () =>
      writer
        ? api(`/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`, { method: 'DELETE', query: { message: message.trim() || undefined }, headers: { 'if-match': `"${base!.metadata.revision}"` } }).then(() => null)
        : api<ChangeRequestView>('/change-requests', { method: 'POST', body: { delete: { kind, name }, baseRevision: base!.metadata.revision, message: message.trim() || `delete ${kind}/${name}` } }),
    onSuccess: async (cr) => {
      await queryClient.invalidateQueries({ queryKey: ['resources', kind] });
      if (cr) {
        void navigate(changeRequestUrl(cr.id));
        return;
      }
      notifications.show({ color: 'green', title: 'Deleted', message: `${kind}/${name} is deleted; its history stays, and rolling back restores it.` });
      void navigate(`/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}/history`);
    },
  });
  const error = save.error ?? propose.error ?? remove.error;
  const issues = error instanceof ApiError ? error.issues : [];
  const pending = save.isPending || propose.isPending;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (yamlError) return;
    setConflict(null);
    if (writer) save.mutate();
    else propose.mutate();
  };
  const switchMode = (m: string) => {
    if (m === 'form' && yamlError) return;
    if (m === 'yaml') setYamlKey((k) => k + 1);
    setMode(m as 'form' | 'yaml');
  };
  const specSchema = kindView.specSchema as JsonSchema;
  const title = isNew ? (kind === 'Team' ? 'Create a team' : `New ${kind}`) : changeRequest ? `Update change request #${changeRequest.id}` : `${writer ? 'Edit' : 'Propose a change to'} ${kind}/${current!.metadata.name}`;
  useDocumentTitle(title);

  const form = (
    <form onSubmit={submit} noValidate aria-label={title}>
      {!isNew && (
        <Breadcrumbs mb="xs" aria-label="Breadcrumb">
          <Anchor component={Link} to={resourceUrl(kind, current!.metadata.name)} size="sm">
            {kind}/{current!.metadata.name}
          </Anchor>
          <Text size="sm">{writer ? 'Edit' : 'Propose a change'}</Text>
        </Breadcrumbs>
      )}
      <PageHeader
        title={title}
        subtitle={
          changeRequest
            ? `Your proposal is rebased on revision ${changeRequest.currentRevision}; approvals given so far will no longer count.`
            : writer
              ? isNew
                ? kind === 'Team'
                  ? 'You become the new team’s maintainer.'
                  : 'You are a member of the owning team: it is written directly.'
                : `You may write it directly as ${me.user.admin && !roleIn(me, current!.metadata.owner) ? 'an administrator' : `a member of ${current!.metadata.owner}`}. Every save is a new revision with history and rollback.`
              : `You are not a member of ${owner || 'the owning team'}: saving opens a change request for its members to review.`
        }
      />
      <Stack>
        {rebase && (
          <Alert color="orange" title={`Redo your change on top of revision ${changeRequest!.currentRevision}`}>
            <Stack gap="xs">
              <Text size="sm">
                Others changed {kind}/{name} since your proposal (based on revision {changeRequest!.baseRevision}). The editor holds the current revision {changeRequest!.currentRevision}; apply your change to it again — this is what you proposed — then update the request.
              </Text>
              <LazyDiff patch={changeRequest!.conflict!.baseToProposed} oldLabel={`Revision ${changeRequest!.baseRevision}`} newLabel="Your proposal" />
            </Stack>
          </Alert>
        )}
        {conflict && (
          <Alert color="orange" title="Someone else saved first" role="alert">
            <Stack gap="xs">
              <Text size="sm">
                {kind}/{name} is now at revision {conflict.current.metadata.revision} (you started from revision {base?.metadata.revision}). Your edits are still here. Compare below, then either keep your version (it replaces theirs) or start over from theirs.
              </Text>
              <LazyDiff oldDoc={toWritable(conflict.current as unknown as EditableDocument)} newDoc={document()} oldLabel={`Their revision ${conflict.current.metadata.revision}`} newLabel="Your edits" />
              <Group>
                <Button
                  size="xs"
                  color="orange"
                  onClick={() => {
                    setBase(conflict.current);
                    setConflict(null);
                    save.reset();
                  }}
                >
                  Keep my edits (save again to replace theirs)
                </Button>
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => {
                    setBase(conflict.current);
                    setDoc(toWritable(structuredClone(conflict.current) as unknown as EditableDocument));
                    setYamlKey((k) => k + 1);
                    setConflict(null);
                    save.reset();
                  }}
                >
                  Discard my edits and load theirs
                </Button>
              </Group>
            </Stack>
          </Alert>
        )}
        {error && !conflict && (
          <Alert color="red" role="alert" title={writer ? 'Not saved' : 'Not proposed'}>
            <Stack gap={6}>
              <Text size="sm">{errorMessage(error)}</Text>
              {issues.length > 0 && (
                <List size="sm">
                  {issues.map((i, n) => (
                    <List.Item key={n}>
                      <Text span ff="monospace" size="sm">
                        {i.path || '(document)'}
                      </Text>
                      : {i.message}
                    </List.Item>
                  ))}
                </List>
              )}
              {error instanceof ApiError && error.code === 'NOT_OWNER' && (
                <div>
                  <Button size="xs" variant="light" onClick={() => propose.mutate()} loading={propose.isPending}>
                    Propose this change instead
                  </Button>
                </div>
              )}
              {error instanceof ApiError && error.code === 'CHANGE_REQUEST_UNCHANGED' && <Text size="sm">Change something before proposing.</Text>}
            </Stack>
          </Alert>
        )}
        <SegmentedControl value={mode} onChange={switchMode} data={[{ value: 'form', label: 'Form' }, { value: 'yaml', label: 'YAML' }]} aria-label="Editor" w={220} />
        {yamlError && mode === 'yaml' && (
          <Text size="sm" c="red" role="alert">
            The YAML is not valid ({yamlError}); fix it to save or to return to the form.
          </Text>
        )}
        {mode === 'form' ? (
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
            <Card withBorder>
              <Title order={2} fz="lg" mb="sm">
                Metadata
              </Title>
              <Stack>
                <TextInput
                  label="Name"
                  description={isNew ? 'Letters and digits, with - _ . between them; at most 63 characters. It cannot change later.' : undefined}
                  required
                  disabled={!isNew || !!changeRequest}
                  value={name}
                  onChange={(e) => setDoc({ ...doc, metadata: { ...doc.metadata, name: e.currentTarget.value } })}
                  error={issuesAt(issues, 'metadata.name')}
                  maxLength={63}
                />
                {!selfOwned && <OwnerInput value={doc.metadata.owner ?? ''} onChange={(v) => setDoc({ ...doc, metadata: { ...doc.metadata, owner: v } })} error={issuesAt(issues, 'metadata.owner')} />}
                <TextInput
                  label="Title"
                  value={doc.metadata.title ?? ''}
                  onChange={(e) => setDoc({ ...doc, metadata: { ...doc.metadata, title: e.currentTarget.value || undefined } })}
                  error={issuesAt(issues, 'metadata.title')}
                  maxLength={200}
                />
                <Textarea
                  label="Description"
                  autosize
                  minRows={2}
                  maxRows={10}
                  value={doc.metadata.description ?? ''}
                  onChange={(e) => setDoc({ ...doc, metadata: { ...doc.metadata, description: e.currentTarget.value || undefined } })}
                  error={issuesAt(issues, 'metadata.description')}
                />
                <LabelsEditor key={yamlKey} labels={doc.metadata.labels ?? {}} onChange={(labels) => setDoc({ ...doc, metadata: { ...doc.metadata, labels } })} issues={issues} />
              </Stack>
            </Card>
            <Card withBorder>
              <Title order={2} fz="lg" mb="sm">
                {kind} settings
              </Title>
              <SchemaFields
                schema={specSchema}
                value={doc.spec ?? {}}
                onChange={(spec) => setDoc({ ...doc, spec })}
                path="spec"
                specPath=""
                issues={issues}
                secretFields={kindView.secretFields}
                hint={(p) => hintFor(kind, p)}
              />
              {issuesAt(issues, 'spec') && (
                <Text size="xs" c="red" mt="xs">
                  {issuesAt(issues, 'spec')}
                </Text>
              )}
            </Card>
          </SimpleGrid>
        ) : (
          <Suspense fallback={<PageLoader label="Loading the YAML editor" />}>
            <YamlEditor
              key={yamlKey}
              initialDoc={doc}
              issues={issues}
              label={`${kind} document as YAML`}
              onChange={(parsed, err) => {
                setYamlError(err);
                if (parsed) setDoc(parsed as unknown as EditableDocument);
              }}
            />
          </Suspense>
        )}
        <Textarea
          label={writer ? 'Message' : 'Why this change?'}
          description={writer ? 'Recorded with the revision (optional).' : 'Tell the owners what you propose and why.'}
          autosize
          minRows={2}
          value={message}
          onChange={(e) => setMessage(e.currentTarget.value)}
          maxLength={2000}
        />
        <Group>
          <Button type="submit" loading={pending} disabled={!!yamlError || !name}>
            {verb}
          </Button>
          {writer && !changeRequest && (
            <Button variant="default" onClick={() => propose.mutate()} loading={propose.isPending} disabled={!!yamlError || !name} title="Open a change request for your team to review instead of writing directly">
              Propose for review instead
            </Button>
          )}
          <Button variant="subtle" component={Link} to={isNew ? (kind === 'Team' ? '/teams' : '/services') : resourceUrl(kind, current!.metadata.name)}>
            Cancel
          </Button>
          {!isNew && !changeRequest && (
            <ConfirmButton
              ml="auto"
              size="sm"
              title={writer ? `Delete ${kind}/${name}?` : `Propose deleting ${kind}/${name}?`}
              message={
                writer
                  ? 'It disappears from lists and pages. Its history stays readable, and rolling back to an earlier revision restores it.'
                  : `A change request to delete it is opened for the members of ${current!.metadata.owner} to review.`
              }
              confirmLabel={writer ? 'Delete' : 'Propose deletion'}
              loading={remove.isPending}
              onConfirm={() => remove.mutate()}
            >
              {writer ? `Delete ${kind.toLowerCase()}` : 'Propose deletion'}
            </ConfirmButton>
          )}
        </Group>
      </Stack>
    </form>
  );
  return (
    <>
      {form}
      <EditorPanels kind={kind} document={doc} stored={base} />
    </>
  );
}

/** Loads what the editor needs (the kind's schema, the resource, a change request to update). */
export function ResourceEditor({ kind, name }: { kind: string; name?: string }) {
  const [params] = useSearchParams();
  const crId = params.get('changeRequest');
  const kindView = useQuery({ queryKey: ['kinds', kind], queryFn: () => api<KindView>(`/kinds/${encodeURIComponent(kind)}`), staleTime: Infinity });
  const current = useQuery({
    queryKey: ['resources', kind, 'one', (name ?? '').toLowerCase()],
    queryFn: () => api<ResourceView>(`/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name!)}`),
    enabled: !!name,
    staleTime: 0,
  });
  const cr = useQuery({ queryKey: ['change-requests', 'one', Number(crId)], queryFn: () => api<ChangeRequestView>(`/change-requests/${crId}`), enabled: !!crId });
  if (kindView.isPending || (name && current.isPending) || (crId && cr.isPending)) return <PageLoader label="Loading the editor" />;
  // a change request may propose a resource that does not exist (yet, or any more)
  const gone = !!crId && current.error instanceof ApiError && current.error.code === 'RESOURCE_NOT_FOUND';
  const error = kindView.error ?? (name && !gone ? current.error : null) ?? (crId ? cr.error : null);
  if (error) return <ErrorState error={error} />;
  // a new resource may start with its name, owner and spec from the address
  // (/resources/ExceptionRules/new?name=checkout&owner=payments; a silence of an alert adds &spec={"matchers":[…],…})
  const prefill = { name: params.get('name') ?? undefined, owner: params.get('owner') ?? undefined, spec: specParam(params.get('spec')) };
  return <EditorForm kind={kind} kindView={kindView.data!} current={name && !gone ? current.data! : null} changeRequest={crId ? cr.data : undefined} prefill={prefill} />;
}
