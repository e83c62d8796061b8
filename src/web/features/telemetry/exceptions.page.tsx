import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { ExceptionsExplorer } from './exceptions-explorer.tsx';

/** Exception groups of every service (`/telemetry/exceptions?service=…&status=…`). */
export default function ExceptionsPage() {
  useDocumentTitle('Exceptions');
  return (
    <>
      <PageHeader title="Exceptions" subtitle="Exceptions from services’ log records and spans, grouped by where in the code they happen. Open one for its stack trace." />
      <ExceptionsExplorer />
    </>
  );
}
