import type { ResourceView } from '../../app/types.ts';
import { LogsExplorer } from './logs-explorer.tsx';

/** The service page's Logs tab: the service's log records, searchable, with a live tail. */
export default function ServiceLogsTab({ service }: { service: ResourceView }) {
  return <LogsExplorer service={service.metadata.name} />;
}
