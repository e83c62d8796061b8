import type { ResourceView } from '../../app/types.ts';
import { ExceptionsExplorer } from './exceptions-explorer.tsx';

/** The service page's Exceptions tab: the service's exception groups of the last 7 days. */
export default function ServiceExceptionsTab({ service }: { service: ResourceView }) {
  return <ExceptionsExplorer service={service.metadata.name} />;
}
