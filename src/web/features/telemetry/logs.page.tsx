import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { LogsExplorer } from './logs-explorer.tsx';

/** Every service's log records: search, filter, page back, tail (`/telemetry/logs?service=…&q=…&live=1`). */
export default function LogsPage() {
  useDocumentTitle('Logs');
  return (
    <>
      <PageHeader title="Logs" subtitle="Log records services send with OpenTelemetry, newest first, kept 7 days. The address keeps the search: share it as a link." />
      <LogsExplorer />
    </>
  );
}
