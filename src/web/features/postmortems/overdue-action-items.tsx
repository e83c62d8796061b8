import { useQuery } from '@tanstack/react-query';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { ActionItemTable } from './postmortem-parts.tsx';
import { actionItemListQuery } from './postmortems.api.ts';

/** The overdue action items of some teams (the home page's, for the user's teams); the ten due longest ago. */
export function OverdueActionItems({ teams }: { teams: string[] }) {
  const found = useQuery(actionItemListQuery({ teams, overdue: true, unfinished: true, cursor: null }, 10));
  if (found.isPending) return <PageLoader label="Loading overdue action items" />;
  if (found.error) return <ErrorState error={found.error} retry={() => void found.refetch()} />;
  if (!found.data.items.length) return <EmptyState title="Nothing overdue">Action items of your teams that pass their due date show up here.</EmptyState>;
  return <ActionItemTable items={found.data.items} label="Overdue action items of your teams" />;
}
