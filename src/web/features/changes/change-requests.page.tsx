import { Group, Select, Tabs } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { useUrlPager } from '../../app/ui/pager.tsx';
import { EmptyState } from '../../app/ui/states.tsx';
import { ChangeRequestTable } from './change-request-list.tsx';

const VIEWS = {
  inbox: { label: 'To review', filter: { toReview: true }, empty: ['Nothing waits for your review', 'Change requests to resources of your teams appear here when someone else opens them.'] },
  outbox: { label: 'Opened by me', filter: { mine: true }, empty: ['You have not proposed any change', 'Use “Propose change” on any service or team that your team does not own.'] },
  all: { label: 'All', filter: {}, empty: ['No change requests', 'Nobody has proposed a change yet.'] },
} as const;

type View = keyof typeof VIEWS;

/** Inbox (to review), outbox (opened by me) and all change requests, filtered by state. */
export default function ChangeRequestsPage() {
  useDocumentTitle('Change requests');
  const [params, setParams] = useSearchParams();
  const pager = useUrlPager();
  const view: View = (params.get('view') as View | null) && params.get('view')! in VIEWS ? (params.get('view') as View) : 'inbox';
  const stateParam = params.get('state') ?? (view === 'inbox' ? 'open' : 'any');
  const state = stateParam === 'any' ? undefined : (stateParam as 'open' | 'merged' | 'closed');
  const set = (key: string, value: string) => {
    const p = new URLSearchParams(params);
    p.set(key, value);
    p.delete('cursor');
    if (key === 'view') p.delete('state');
    setParams(p);
  };
  const v = VIEWS[view];
  return (
    <>
      <PageHeader title="Change requests" subtitle="Owners write; everyone else proposes. Review what others propose to your teams, and follow what you proposed." />
      <Tabs value={view} onChange={(x) => x && set('view', x)}>
        <Group justify="space-between" mb="md" wrap="wrap">
          <Tabs.List aria-label="Change request lists">
            {(Object.keys(VIEWS) as View[]).map((k) => (
              <Tabs.Tab key={k} value={k}>
                {VIEWS[k].label}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {view === 'inbox' ? null : (
            <Select
              aria-label="State"
              data={[
                { value: 'any', label: 'Any state' },
                { value: 'open', label: 'Open' },
                { value: 'merged', label: 'Merged' },
                { value: 'closed', label: 'Closed' },
              ]}
              value={stateParam}
              onChange={(x) => x && set('state', x)}
              allowDeselect={false}
              w={160}
            />
          )}
        </Group>
      </Tabs>
      <ChangeRequestTable filter={{ ...v.filter, state }} pager={pager} empty={<EmptyState title={v.empty[0]}>{v.empty[1]}</EmptyState>} />
    </>
  );
}
