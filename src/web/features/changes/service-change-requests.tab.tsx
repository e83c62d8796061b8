import { Select, Stack } from '@mantine/core';
import { useState } from 'react';
import { useLocalPager } from '../../app/ui/pager.tsx';
import { EmptyState } from '../../app/ui/states.tsx';
import type { ResourceView } from '../../app/types.ts';
import { ChangeRequestTable } from './change-request-list.tsx';

/** The service page's tab: change requests proposed for this service. */
export default function ServiceChangeRequestsTab({ service }: { service: ResourceView }) {
  const [state, setState] = useState<string>('open');
  const pager = useLocalPager();
  return (
    <Stack>
      <Select
        label="State"
        data={[
          { value: 'open', label: 'Open' },
          { value: 'merged', label: 'Merged' },
          { value: 'closed', label: 'Closed' },
          { value: 'any', label: 'Any state' },
        ]}
        value={state}
        onChange={(v) => {
          setState(v ?? 'open');
          pager.reset();
        }}
        allowDeselect={false}
        w={180}
      />
      <ChangeRequestTable
        filter={{ kind: 'Service', name: service.metadata.name, state: state === 'any' ? undefined : (state as 'open') }}
        pager={pager}
        empty={<EmptyState title={state === 'open' ? 'No open change requests' : 'No change requests'}>Anyone may propose a change to this service with “Propose change”; its owners review it here.</EmptyState>}
      />
    </Stack>
  );
}
