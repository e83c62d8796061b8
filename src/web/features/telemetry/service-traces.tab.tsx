import type { ResourceView } from '../../app/types.ts';
import { TracesExplorer } from './traces-explorer.tsx';

/** The service page's Traces tab: the service's recent traces. */
export default function ServiceTracesTab({ service }: { service: ResourceView }) {
  return <TracesExplorer service={service.metadata.name} />;
}
