import { Button, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { canWrite, useMe } from '../../app/session.tsx';
import { AppLink, editUrl, historyUrl } from '../../app/ui/links.tsx';
import { ErrorState } from '../../app/ui/states.tsx';
import type { ExceptionRule } from '../../../shared/exception-rules.schema.ts';
import { EXCEPTION_RULES_KIND, useExceptionRules, type ExceptionGroupView } from './exceptions.api.ts';
import classes from './exceptions.module.css';

/** Where a service's fingerprint rules are created: the resource editor, with the name and owner filled in. */
export const newExceptionRulesUrl = (service: string, owner?: string) =>
  `/resources/${EXCEPTION_RULES_KIND}/new?${new URLSearchParams({ name: service, ...(owner ? { owner } : {}) }).toString()}`;

/** A rule's matchers as text: `type ~ ^TimeoutError$, message ~ (?i)timed out`. */
function matchers(rule: ExceptionRule): string {
  return Object.entries(rule.match)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ~ ${v}`)
    .join(', ');
}

/**
 * A service's fingerprint rules (the Exceptions tab): each rule's matchers, group and title, and
 * links to edit them (or propose a change) and to their history; "Add" when it has none.
 */
export function ExceptionRulesPanel({ service, owner }: { service: string; owner: string }) {
  const me = useMe();
  const rules = useExceptionRules(service);
  const mine = canWrite(me, owner);
  if (rules.isPending) return null;
  if (rules.error) return <ErrorState error={rules.error} title="The fingerprint rules could not be loaded" retry={() => void rules.refetch()} />;
  const doc = rules.data;
  return (
    <section aria-label="Fingerprint rules">
      <Group justify="space-between" mb={4}>
        <Title order={2} fz="md">
          Fingerprint rules
        </Title>
        <Group gap="xs">
          {doc ? (
            <>
              <Button component={Link} to={editUrl(EXCEPTION_RULES_KIND, doc.metadata.name)} size="xs" variant="light">
                {mine ? 'Edit rules' : 'Propose a change'}
              </Button>
              <Button component={Link} to={historyUrl(EXCEPTION_RULES_KIND, doc.metadata.name)} size="xs" variant="subtle">
                History
              </Button>
            </>
          ) : (
            <Button component={Link} to={newExceptionRulesUrl(service, owner)} size="xs" variant="light">
              {mine ? 'Add rules' : 'Propose rules'}
            </Button>
          )}
        </Group>
      </Group>
      {!doc || !doc.spec.rules.length ? (
        <Text size="sm" c="dimmed">
          None: exceptions are grouped by their type and the service’s own stack frames (or their message). A rule sends every exception it matches to one group of its own.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table aria-label="Fingerprint rules" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Matches</Table.Th>
                <Table.Th>Group</Table.Th>
                <Table.Th>Title</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {doc.spec.rules.map((r, i) => (
                <Table.Tr key={i}>
                  <Table.Td className={classes.number}>{i + 1}</Table.Td>
                  <Table.Td className={classes.wrap}>
                    <Code>{matchers(r)}</Code>
                  </Table.Td>
                  <Table.Td className={classes.wrap}>{r.group}</Table.Td>
                  <Table.Td className={classes.wrap}>{r.title ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}

/** How a group was made, for its page: the built-in fingerprint, or which rule of the service's, with links to the rules. */
export function GroupedBy({ group }: { group: ExceptionGroupView }) {
  const rulesName = group.service;
  if (group.basis === 'rule' && group.rule) {
    return (
      <Stack gap={2}>
        <Text size="sm" span>
          the fingerprint rule “{group.rule.group}” — rule {group.rule.index + 1} of{' '}
          <AppLink to={historyUrl(EXCEPTION_RULES_KIND, rulesName)}>
            {EXCEPTION_RULES_KIND}/{rulesName}
          </AppLink>{' '}
          (revision {group.rule.revision})
        </Text>
        <AppLink to={editUrl(EXCEPTION_RULES_KIND, rulesName)} size="sm">
          Edit the service’s fingerprint rules
        </AppLink>
      </Stack>
    );
  }
  return (
    <Stack gap={2}>
      <Text size="sm" span>
        {group.basis === 'frames' ? 'its type and the service’s own stack frames' : 'its type and message (no frames of the service’s own code)'}
      </Text>
      <AppLink to={`/services/${encodeURIComponent(group.service)}/exceptions`} size="sm">
        Group differently with fingerprint rules
      </AppLink>
    </Stack>
  );
}
