import { Navigate } from 'react-router';
import { useMe } from '../../app/session.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { TokenList } from './token-list.tsx';

/** Every API token of the organisation (admins): review and revoke. */
export default function AllTokensPage() {
  useDocumentTitle('All API tokens');
  const me = useMe();
  if (!me.user.admin) return <Navigate to="/account/tokens" replace />;
  return (
    <>
      <PageHeader title="All API tokens" subtitle="Personal, team and ingest tokens of everyone. Revoking takes effect at once." />
      <TokenList all />
    </>
  );
}
