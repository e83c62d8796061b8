import { Anchor, type AnchorProps } from '@mantine/core';
import type { MouseEventHandler, ReactNode } from 'react';
import { Link } from 'react-router';

/** A link to a page of the app. */
export function AppLink({ to, children, ...props }: AnchorProps & { to: string; children: ReactNode; 'aria-label'?: string; onClick?: MouseEventHandler<HTMLAnchorElement> }) {
  return (
    <Anchor component={Link} to={to} {...props}>
      {children}
    </Anchor>
  );
}

/** Only web and mail links become clickable: a `javascript:` URL in user data stays text. */
export function safeUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return ['http:', 'https:', 'mailto:'].includes(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

/** A link to another site, from user data; shown as plain text when it is not a web address. */
export function ExternalLink({ href, children }: { href: string; children?: ReactNode }) {
  const url = safeUrl(href);
  if (!url) return <span>{children ?? href}</span>;
  return (
    <Anchor href={url} target="_blank" rel="noopener noreferrer nofollow" style={{ wordBreak: 'break-all' }}>
      {children ?? href}
    </Anchor>
  );
}

export const serviceUrl = (name: string) => `/services/${encodeURIComponent(name)}`;
export const teamUrl = (name: string) => `/teams/${encodeURIComponent(name)}`;
export const changeRequestUrl = (id: number) => `/change-requests/${id}`;

/** Where a resource of any kind is shown. */
export function resourceUrl(kind: string, name: string): string {
  if (kind === 'Service') return serviceUrl(name);
  if (kind === 'Team') return teamUrl(name);
  return `/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}/history`;
}
export const editUrl = (kind: string, name: string) => `/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}/edit`;
export const historyUrl = (kind: string, name: string) =>
  kind === 'Service' ? `${serviceUrl(name)}/history` : `/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}/history`;
