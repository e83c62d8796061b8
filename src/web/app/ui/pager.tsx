import { Button, Group, Text } from '@mantine/core';
import { useCallback, useState } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';

/** Cursor-based paging state: the cursor of this page, and how to go forward and back. */
export interface Pager {
  cursor: string | undefined;
  page: number;
  next(nextCursor: string): void;
  previous(): void;
  reset(): void;
}

/**
 * Paging kept in the URL (`?cursor=`), so a page can be linked and reloaded; the cursors of earlier
 * pages live in the history entry's state, so "Previous" and the browser's Back both work.
 */
export function useUrlPager(): Pager {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const cursor = params.get('cursor') ?? undefined;
  const stack = ((location.state as { cursors?: (string | null)[] } | null)?.cursors ?? []).slice();
  const go = (c: string | null | undefined, cursors: (string | null)[]) => {
    const p = new URLSearchParams(params);
    if (c) p.set('cursor', c);
    else p.delete('cursor');
    void navigate({ search: p.toString() }, { state: { cursors } });
  };
  return {
    cursor,
    page: cursor ? Math.max(stack.length + 1, 2) : 1,
    next: (nextCursor) => go(nextCursor, [...stack, cursor ?? null]),
    previous: () => go(stack.at(-1), stack.slice(0, -1)),
    reset: () => go(null, []),
  };
}

/** Paging kept in the component (for a list inside a larger page). */
export function useLocalPager(): Pager {
  const [stack, setStack] = useState<(string | undefined)[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const reset = useCallback(() => {
    setStack([]);
    setCursor(undefined);
  }, []);
  return {
    cursor,
    page: stack.length + 1,
    next: (c) => {
      setStack((s) => [...s, cursor]);
      setCursor(c);
    },
    previous: () => {
      setCursor(stack.at(-1));
      setStack((s) => s.slice(0, -1));
    },
    reset,
  };
}

/** Previous / next buttons for a cursor-paginated list. */
export function PagerControls({ pager, nextCursor, loading, label = 'Pages' }: { pager: Pager; nextCursor: string | null | undefined; loading?: boolean; label?: string }) {
  if (!pager.cursor && !nextCursor) return null;
  return (
    <Group justify="space-between" mt="sm" component="nav" aria-label={label}>
      <Button variant="default" size="xs" disabled={!pager.cursor || loading} onClick={pager.previous}>
        Previous page
      </Button>
      <Text size="sm" c="dimmed" aria-live="polite">
        Page {pager.page}
      </Text>
      <Button variant="default" size="xs" disabled={!nextCursor || loading} onClick={() => nextCursor && pager.next(nextCursor)}>
        Next page
      </Button>
    </Group>
  );
}
