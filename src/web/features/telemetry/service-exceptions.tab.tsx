import { Stack } from '@mantine/core';
import type { ResourceView } from '../../app/types.ts';
import { ExceptionRulesPanel } from './exception-rules.tsx';
import { ExceptionsExplorer } from './exceptions-explorer.tsx';

/** The service page's Exceptions tab: the service's exception groups of the last 7 days, and its fingerprint rules. */
export default function ServiceExceptionsTab({ service }: { service: ResourceView }) {
  return (
    <Stack gap="lg">
      <ExceptionsExplorer service={service.metadata.name} />
      <ExceptionRulesPanel service={service.metadata.name} owner={service.metadata.owner} />
    </Stack>
  );
}
