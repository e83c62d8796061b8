import { ActionIcon, Indicator } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { Link, useLocation } from 'react-router';
import { BellIcon } from '../../app/ui/icons.tsx';
import { useUnreadCount } from './inbox.api.ts';

/** The header's way to the inbox, with the number of unread notifications on it. */
export function InboxButton() {
  const count = useUnreadCount();
  const { refetch } = count;
  const { pathname } = useLocation();
  const shownAt = useRef(pathname);
  // the header stays while pages change: each new page asks again (besides the minute's poll)
  useEffect(() => {
    if (shownAt.current === pathname) return;
    shownAt.current = pathname;
    void refetch();
  }, [pathname, refetch]);
  const unread = count.data ?? 0;
  const label = unread ? `Inbox: ${unread} unread` : 'Inbox';
  return (
    // the link's name carries the number; the dot repeats it for the eye only
    <Indicator label={<span aria-hidden>{unread > 99 ? '99+' : unread}</span>} disabled={!unread} size={18} offset={4} color="red">
      <ActionIcon component={Link} to="/inbox" variant="default" size="lg" aria-label={label} title={label}>
        <BellIcon />
      </ActionIcon>
    </Indicator>
  );
}
