import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { TracesExplorer } from './traces-explorer.tsx';

/** Find traces of any service (`/telemetry/traces?service=…&route=…&minDuration=…&status=…&range=…`). */
export default function TracesPage() {
  useDocumentTitle('Traces');
  return (
    <>
      <PageHeader title="Traces" subtitle="Requests followed across services, as OpenTelemetry sends them, kept 7 days. Open one for its waterfall." />
      <TracesExplorer />
    </>
  );
}
