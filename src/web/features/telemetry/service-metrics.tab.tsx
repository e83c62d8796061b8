import type { ResourceView } from '../../app/types.ts';
import { MetricsExplorer } from './metrics-explorer.tsx';

/** The service page's Metrics tab: the service's metrics and a chart of the chosen one. */
export default function ServiceMetricsTab({ service }: { service: ResourceView }) {
  return <MetricsExplorer service={service.metadata.name} />;
}
