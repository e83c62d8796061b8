import { Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useLocation } from 'react-router';
import { ALERTS_REFRESH_MS, firingCountQuery } from './alerting.api.ts';

/**
 * The number of firing alerts beside "Alerts" in the navigation; nothing when none fires.
 * @remarks It loads with the shell: plain Text (already there) rather than Mantine's Badge keeps the entry script small.
 */
export function FiringBadge() {
  const count = useQuery({ ...firingCountQuery, refetchInterval: ALERTS_REFRESH_MS, refetchOnWindowFocus: true });
  const { refetch } = count;
  const { pathname } = useLocation();
  const shownAt = useRef(pathname);
  // the navigation stays while pages change: each new page asks again (besides the poll)
  useEffect(() => {
    if (shownAt.current === pathname) return;
    shownAt.current = pathname;
    void refetch();
  }, [pathname, refetch]);
  const firing = count.data ?? 0;
  if (!firing) return null;
  return (
    <Text span size="xs" fw={700} c="white" bg="red.7" px={7} lh="18px" style={{ borderRadius: 9 }} title={`${firing} firing`}>
      {firing > 99 ? '99+' : firing}
      <span className="visually-hidden"> firing</span>
    </Text>
  );
}
