import { Anchor, Breadcrumbs, Text } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { resourceUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { ResourceHistory } from './resource-history.tsx';

/** The history of any resource, including deleted ones. */
export default function HistoryPage() {
  const { kind = '', name = '' } = useParams();
  useDocumentTitle(`History of ${kind}/${name}`);
  return (
    <>
      <Breadcrumbs mb="xs" aria-label="Breadcrumb">
        <Anchor component={Link} to={resourceUrl(kind, name)} size="sm">
          {kind}/{name}
        </Anchor>
        <Text size="sm">History</Text>
      </Breadcrumbs>
      <PageHeader title={`History of ${kind}/${name}`} subtitle="Every revision, who made it and why. Pick two to compare; roll back to any of them." />
      <ResourceHistory kind={kind} name={name} />
    </>
  );
}
