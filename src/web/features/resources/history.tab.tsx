import type { ResourceView } from '../../app/types.ts';
import { ResourceHistory } from './resource-history.tsx';

/** The service page's History tab. */
export default function HistoryTab({ service }: { service: ResourceView }) {
  return <ResourceHistory kind="Service" name={service.metadata.name} owner={service.metadata.owner} />;
}
