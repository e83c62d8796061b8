import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { TokenList } from './token-list.tsx';

/** Your API tokens: create (shown once), list, revoke. */
export default function TokensPage() {
  useDocumentTitle('API tokens');
  return (
    <>
      <PageHeader title="API tokens" subtitle="For scripts, CI and the ethos command line: send as “Authorization: Bearer <token>”. Ethos stores only a hash, so a token is shown once, when you create it." />
      <TokenList />
    </>
  );
}
