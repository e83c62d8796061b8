import { Button, Group, SimpleGrid, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { useDeferredValue, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Labels, LifecycleBadge, TierBadge } from '../../app/ui/badges.tsx';
import { AppLink, serviceUrl, teamUrl } from '../../app/ui/links.tsx';
import { PageHeader, useDocumentTitle } from '../../app/ui/page.tsx';
import { PagerControls, useUrlPager } from '../../app/ui/pager.tsx';
import { EmptyState, ErrorState, PageLoader } from '../../app/ui/states.tsx';
import { catalogFilter, useResourceList, useTeamSuggestions } from './catalog.api.ts';
import classes from './services.module.css';

const LABEL_RE = /^[^=\s]+=[^=\s]*$/;
/** Rows rendered in the first pass: more than a laptop screen shows. */
const FIRST_ROWS = 20;

/** The service catalog: search, owner and label filters, cursor pages of 50. */
export default function ServicesPage() {
  useDocumentTitle('Services');
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const pager = useUrlPager();
  const q = params.get('q') ?? '';
  const owners = params.getAll('owner');
  const labels = params.getAll('label');

  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [ownerSearch, setOwnerSearch] = useState('');
  const [ownerSearchDebounced] = useDebouncedValue(ownerSearch, 250);
  // suggestions only once the owner box is used: a catalog page costs one request
  const [ownerOpen, setOwnerOpen] = useState(false);
  const teams = useTeamSuggestions(ownerSearchDebounced, ownerOpen || !!ownerSearchDebounced);
  const [labelError, setLabelError] = useState<string | null>(null);

  // the search box writes the URL after a pause, replacing the entry and starting at page 1
  const applied = useRef(q);
  useEffect(() => {
    if (debounced === applied.current) return;
    applied.current = debounced;
    const p = new URLSearchParams(params);
    if (debounced) p.set('q', debounced);
    else p.delete('q');
    p.delete('cursor');
    setParams(p, { replace: true });
  }, [debounced, params, setParams]);
  // Back and Forward change the URL: the box follows
  useEffect(() => {
    if (q !== applied.current) {
      applied.current = q;
      setSearch(q);
    }
  }, [q]);

  const setList = (key: 'owner' | 'label', values: string[]) => {
    const p = new URLSearchParams(params);
    p.delete(key);
    for (const v of values) p.append(key, v);
    p.delete('cursor');
    void navigate({ search: p.toString() }, { replace: true });
  };

  // the same filter the route's prefetch read from the address
  const list = useResourceList('Service', catalogFilter(params));
  // a page of 50 rows costs a slow machine a few hundred milliseconds to render: the rows a screen
  // shows first come at once, the rest in a background render right after
  const items = list.data?.items ?? [];
  const shown = useDeferredValue(items.length, Math.min(items.length, FIRST_ROWS));
  const shownItems = items.slice(0, Math.max(shown, Math.min(items.length, FIRST_ROWS)));
  // a phone gets two columns, the badges under the name: each row is rendered once, for its screen
  const wide = useMediaQuery('(min-width: 48em)', true, { getInitialValueInEffect: false });
  const filtered = !!(q || owners.length || labels.length);

  return (
    <>
      <PageHeader
        title="Services"
        subtitle="Every service, its owning team, lifecycle and tier."
        actions={
          <Button component={Link} to="/resources/Service/new" variant="light">
            Register a service
          </Button>
        }
      />
      <SimpleGrid cols={{ base: 1, sm: 3 }} mb="md" role="search" aria-label="Filter services">
        <TextInput label="Search" placeholder="Name, title or description" value={search} onChange={(e) => setSearch(e.currentTarget.value)} type="search" />
        <TagsInput
          label="Owner teams"
          placeholder={owners.length ? '' : 'Any team'}
          data={teams.data ?? []}
          value={owners}
          onChange={(v) => setList('owner', v)}
          searchValue={ownerSearch}
          onSearchChange={setOwnerSearch}
          onDropdownOpen={() => setOwnerOpen(true)}
          onFocus={() => setOwnerOpen(true)}
          clearable
        />
        <TagsInput
          label="Labels"
          placeholder={labels.length ? '' : 'key=value, then Enter'}
          value={labels}
          error={labelError}
          onChange={(v) => {
            const bad = v.find((x) => !LABEL_RE.test(x));
            setLabelError(bad ? `“${bad}” is not key=value` : null);
            setList('label', v.filter((x) => LABEL_RE.test(x)));
          }}
          clearable
        />
      </SimpleGrid>
      {list.isPending ? (
        <PageLoader label="Loading services" />
      ) : list.error ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : !list.data.items.length ? (
        filtered ? (
          <EmptyState title="No service matches these filters">Try fewer words, another team, or remove a label filter.</EmptyState>
        ) : (
          <EmptyState title="No services yet">Register one with “Register a service”, or push an ethos.yaml from a repository with ethos apply.</EmptyState>
        )
      ) : (
        <>
          {/* on a phone: service (with its badges) and owner only, without sideways scrolling */}
          <Table.ScrollContainer minWidth={720} className={classes.services}>
            <Table highlightOnHover aria-label="Services" aria-busy={list.isFetching} style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Service</Table.Th>
                  <Table.Th>Owner</Table.Th>
                  {wide && (
                    <>
                      <Table.Th>Lifecycle</Table.Th>
                      <Table.Th>Labels</Table.Th>
                    </>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shownItems.map((s) => (
                  <Table.Tr key={s.metadata.name}>
                    <Table.Td maw={420}>
                      <AppLink to={serviceUrl(s.metadata.name)} fw={600}>
                        {s.metadata.name}
                      </AppLink>
                      {(s.metadata.title || s.metadata.description) && (
                        <Text size="xs" c="dimmed" lineClamp={1}>
                          {s.metadata.title ?? s.metadata.description}
                        </Text>
                      )}
                      {!wide && (
                        <Group gap={4} mt={4}>
                          <LifecycleBadge lifecycle={s.spec.lifecycle} />
                          <TierBadge tier={s.spec.tier} />
                        </Group>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <AppLink to={teamUrl(s.metadata.owner)}>{s.metadata.owner}</AppLink>
                    </Table.Td>
                    {wide && (
                      <>
                        <Table.Td>
                          <Group gap={4} wrap="nowrap">
                            <LifecycleBadge lifecycle={s.spec.lifecycle} />
                            <TierBadge tier={s.spec.tier} />
                          </Group>
                        </Table.Td>
                        <Table.Td>
                          <Labels labels={s.metadata.labels} max={3} />
                        </Table.Td>
                      </>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <PagerControls pager={pager} nextCursor={list.data.nextCursor} loading={list.isFetching} label="Service pages" />
        </>
      )}
    </>
  );
}
