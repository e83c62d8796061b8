import { createHash } from 'node:crypto';
import type { ContactPointSpec } from '../../../shared/alerting.schema.ts';

/*
 * What each kind of contact point receives for a group's notification. Every function here is
 * pure: the outbox decides when and how often to send, these decide what.
 */

/** One alert inside a notification, as Alertmanager's webhook (version 4) carries it. */
export interface AlertPayload {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** A group's notification (Alertmanager webhook v4 fields, minus version/receiver which the outbox fills). */
export interface GroupNotification {
  groupKey: string;
  status: 'firing' | 'resolved';
  alerts: AlertPayload[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  /** Alerts the sender already left out (added to the webhook's own truncation). */
  truncatedAlerts?: number;
}

/**
 * Alertmanager's webhook payload, version 4, with its fields in Alertmanager's own order
 * (`template.Data` first, then the message's fields).
 */
export interface WebhookMessageV4 {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: AlertPayload[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

/** What a delivery is: one HTTP POST of a JSON body, or one email. */
export type RenderedDelivery =
  | { kind: 'http'; url: string; body: string }
  | { kind: 'email'; to: string[]; subject: string; text: string };

/** PagerDuty's Events API v2 address, used when a pagerduty contact point names none. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** How many alerts the chat and email formats spell out before saying "and N more". */
export const MAX_LISTED_ALERTS = 10;

function sortedEntries(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Labels (or annotations) every alert has with the same value: Alertmanager's CommonLabels. */
export function commonOf(maps: Record<string, string>[]): Record<string, string> {
  if (!maps.length) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (const m of maps.slice(1)) {
    for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  }
  return Object.fromEntries(sortedEntries(out));
}

/**
 * The notification with only some of its alerts, its status and common labels recomputed as
 * Alertmanager computes them from the alerts it sends. Returns null when no alert is left.
 */
export function withAlerts(n: GroupNotification, alerts: AlertPayload[]): GroupNotification | null {
  if (!alerts.length) return null;
  if (alerts.length === n.alerts.length) return n;
  return {
    ...n,
    alerts,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    commonLabels: commonOf(alerts.map((a) => a.labels)),
    commonAnnotations: commonOf(alerts.map((a) => a.annotations)),
  };
}

/** Alertmanager's webhook body; with `maxAlerts` > 0 the rest are left out and counted in truncatedAlerts. */
export function toWebhookV4(n: GroupNotification, receiver: string, maxAlerts = 0): WebhookMessageV4 {
  let shown = n;
  let truncated = 0;
  if (maxAlerts > 0 && n.alerts.length > maxAlerts) {
    shown = withAlerts(n, n.alerts.slice(0, maxAlerts))!;
    truncated = n.alerts.length - maxAlerts;
  }
  return {
    receiver,
    status: shown.status,
    alerts: shown.alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    groupLabels: shown.groupLabels,
    commonLabels: shown.commonLabels,
    commonAnnotations: shown.commonAnnotations,
    externalURL: shown.externalURL,
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: truncated + (n.truncatedAlerts ?? 0),
  };
}

function counts(n: GroupNotification): { firing: number; resolved: number } {
  const firing = n.alerts.filter((a) => a.status === 'firing').length;
  return { firing, resolved: n.alerts.length - firing };
}

/**
 * The one-line title every human format starts with, as Alertmanager's default templates write it:
 * `[FIRING:2] HighLatency checkout (page)` — the status, the group labels' values, then the values of
 * the other labels all alerts share.
 */
export function notificationTitle(n: GroupNotification): string {
  const { firing } = counts(n);
  const head = n.status === 'firing' ? `[FIRING:${firing}]` : '[RESOLVED]';
  const group = sortedEntries(n.groupLabels).map(([, v]) => v);
  const rest = sortedEntries(n.commonLabels)
    .filter(([k]) => !(k in n.groupLabels))
    .map(([, v]) => v);
  return [head, ...group, ...(rest.length ? [`(${rest.join(' ')})`] : [])].join(' ');
}

/** What an alert is called in a list: its summary, else its alert name. */
function alertHeadline(a: AlertPayload): string {
  return a.annotations.summary || a.labels.alertname || a.fingerprint;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function labelList(labels: Record<string, string>): string {
  return sortedEntries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function runbookOf(a: AlertPayload): string | undefined {
  return a.annotations.runbook_url || a.annotations.runbook || undefined;
}

// Slack's mrkdwn treats only these three as markup; everything else is literal.
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack incoming-webhook message: `text` for notifications and previews, `blocks` for the channel. */
export function toSlack(n: GroupNotification): { text: string; blocks: object[] } {
  const title = notificationTitle(n);
  const { firing, resolved } = counts(n);
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${n.status === 'firing' ? '🔥' : '✅'} ${title}`, 150), emoji: true } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: slackEscape(`${firing} firing, ${resolved} resolved${n.truncatedAlerts ? ` (${n.truncatedAlerts} more not included)` : ''}`) }],
    },
  ];
  for (const a of n.alerts.slice(0, MAX_LISTED_ALERTS)) {
    const lines = [`${a.status === 'firing' ? ':red_circle:' : ':large_green_circle:'} *${slackEscape(alertHeadline(a))}*`];
    if (a.annotations.description) lines.push(slackEscape(a.annotations.description));
    lines.push(`\`${slackEscape(labelList(a.labels))}\``);
    lines.push(a.status === 'firing' ? `since ${a.startsAt}` : `resolved at ${a.endsAt}`);
    const links = [a.generatorURL && `<${a.generatorURL}|source>`, runbookOf(a) && `<${runbookOf(a)}|runbook>`].filter(Boolean);
    if (links.length) lines.push(links.join(' · '));
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), 3000) } });
  }
  if (n.alerts.length > MAX_LISTED_ALERTS) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `… and ${n.alerts.length - MAX_LISTED_ALERTS} more` }] });
  }
  if (n.externalURL) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${n.externalURL}|Open in Ethos>` }] });
  return { text: title, blocks };
}

/**
 * A Microsoft Teams message carrying an Adaptive Card (version 1.4): the format Teams' Workflows
 * ("When a Teams webhook request is received") accepts, and the older Office 365 connector
 * webhooks too. The legacy MessageCard is not used: Workflows refuse it.
 */
export function toTeams(n: GroupNotification): object {
  const title = notificationTitle(n);
  const { firing, resolved } = counts(n);
  const body: object[] = [
    { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true, color: n.status === 'firing' ? 'Attention' : 'Good' },
    { type: 'TextBlock', text: `${firing} firing, ${resolved} resolved`, isSubtle: true, spacing: 'None', wrap: true },
  ];
  for (const a of n.alerts.slice(0, MAX_LISTED_ALERTS)) {
    const items: object[] = [{ type: 'TextBlock', text: `${a.status === 'firing' ? '🔥' : '✅'} ${alertHeadline(a)}`, weight: 'Bolder', wrap: true }];
    if (a.annotations.description) items.push({ type: 'TextBlock', text: a.annotations.description, wrap: true, spacing: 'Small' });
    items.push({
      type: 'FactSet',
      facts: [
        ...sortedEntries(a.labels).map(([k, v]) => ({ title: k, value: v })),
        { title: a.status === 'firing' ? 'since' : 'resolved', value: a.status === 'firing' ? a.startsAt : a.endsAt },
      ],
    });
    body.push({ type: 'Container', separator: true, items });
  }
  if (n.alerts.length > MAX_LISTED_ALERTS) body.push({ type: 'TextBlock', text: `… and ${n.alerts.length - MAX_LISTED_ALERTS} more`, isSubtle: true });
  const actions = n.externalURL ? [{ type: 'Action.OpenUrl', title: 'Open in Ethos', url: n.externalURL }] : [];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body, actions, msteams: { width: 'Full' } },
      },
    ],
  };
}

/** PagerDuty's severities. */
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

const SEVERITY_TO_PAGERDUTY: Record<string, PagerDutySeverity> = { page: 'critical', ticket: 'warning', info: 'info', critical: 'critical', error: 'error', warning: 'warning' };
const PAGERDUTY_RANK: Record<PagerDutySeverity, number> = { critical: 3, error: 2, warning: 1, info: 0 };

/**
 * The PagerDuty severity of a group: the highest of its firing alerts' `severity` labels (page →
 * critical, ticket → warning, info → info; PagerDuty's own names pass through); error when none says.
 */
export function pagerDutySeverity(n: GroupNotification): PagerDutySeverity {
  const considered = n.alerts.some((a) => a.status === 'firing') ? n.alerts.filter((a) => a.status === 'firing') : n.alerts;
  let best: PagerDutySeverity | null = null;
  for (const a of considered) {
    const s = SEVERITY_TO_PAGERDUTY[a.labels.severity ?? ''];
    if (s && (best === null || PAGERDUTY_RANK[s] > PAGERDUTY_RANK[best])) best = s;
  }
  return best ?? 'error';
}

/** The PagerDuty dedup_key of a group: the same for its trigger and its resolve (as Alertmanager: SHA-256 of the group key). */
export function pagerDutyDedupKey(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

/** A PagerDuty Events API v2 event: trigger while the group fires, resolve once it has resolved. */
export function toPagerDuty(n: GroupNotification, routingKey: string): object {
  const { firing, resolved } = counts(n);
  const details: Record<string, string> = {
    firing: n.alerts.filter((a) => a.status === 'firing').map((a) => `${alertHeadline(a)} (${labelList(a.labels)})`).join('\n'),
    resolved: n.alerts.filter((a) => a.status === 'resolved').map((a) => `${alertHeadline(a)} (${labelList(a.labels)})`).join('\n'),
    num_firing: String(firing),
    num_resolved: String(resolved),
  };
  for (const [k, v] of sortedEntries(n.commonAnnotations)) if (!(k in details)) details[k] = v;
  const links: { href: string; text: string }[] = [];
  if (n.externalURL) links.push({ href: n.externalURL, text: 'Open in Ethos' });
  const runbook = n.alerts.map(runbookOf).find(Boolean);
  if (runbook) links.push({ href: runbook, text: 'Runbook' });
  const summaryParts = [notificationTitle(n), n.commonAnnotations.summary].filter(Boolean);
  return {
    routing_key: routingKey,
    event_action: n.status === 'firing' ? 'trigger' : 'resolve',
    dedup_key: pagerDutyDedupKey(n.groupKey),
    payload: {
      summary: clip(summaryParts.join(': '), 1024),
      source: n.commonLabels.service || n.commonLabels.instance || n.commonLabels.job || 'ethos',
      severity: pagerDutySeverity(n),
      timestamp: n.alerts[0]?.startsAt,
      ...(n.commonLabels.service ? { component: n.commonLabels.service } : {}),
      ...(n.commonLabels.alertname ? { class: n.commonLabels.alertname } : {}),
      custom_details: details,
    },
    client: 'Ethos',
    ...(n.externalURL ? { client_url: n.externalURL } : {}),
    links,
  };
}

/** An email's subject and plain-text body. */
export function toEmail(n: GroupNotification): { subject: string; text: string } {
  const title = notificationTitle(n);
  const { firing, resolved } = counts(n);
  const lines = [title, '', `${firing} firing, ${resolved} resolved.`];
  for (const [heading, status] of [['Firing', 'firing'], ['Resolved', 'resolved']] as const) {
    const list = n.alerts.filter((a) => a.status === status);
    if (!list.length) continue;
    lines.push('', `${heading}:`);
    for (const a of list.slice(0, MAX_LISTED_ALERTS)) {
      lines.push(`- ${alertHeadline(a)}`);
      if (a.annotations.description) lines.push(`  ${a.annotations.description.replace(/\n/g, '\n  ')}`);
      lines.push(`  Labels: ${labelList(a.labels)}`);
      lines.push(status === 'firing' ? `  Since: ${a.startsAt}` : `  Resolved at: ${a.endsAt}`);
      if (runbookOf(a)) lines.push(`  Runbook: ${runbookOf(a)}`);
      if (a.generatorURL) lines.push(`  Source: ${a.generatorURL}`);
    }
    if (list.length > MAX_LISTED_ALERTS) lines.push(`  … and ${list.length - MAX_LISTED_ALERTS} more`);
  }
  if (n.truncatedAlerts) lines.push('', `${n.truncatedAlerts} more alerts were not included.`);
  if (n.externalURL) lines.push('', `Open in Ethos: ${n.externalURL}`);
  return { subject: `[Ethos] ${title}`, text: `${lines.join('\n')}\n` };
}

/**
 * What one contact point receives for a notification, or null when there is nothing to send
 * (only resolved alerts and `sendResolved: false`). Resolved alerts are left out when the
 * contact point does not want them, as Alertmanager's `send_resolved: false` does.
 */
export function renderForContactPoint(spec: ContactPointSpec, receiver: string, notification: GroupNotification): RenderedDelivery | null {
  const n = spec.sendResolved ? notification : withAlerts(notification, notification.alerts.filter((a) => a.status === 'firing'));
  if (!n) return null;
  switch (spec.type) {
    case 'webhook':
      return { kind: 'http', url: required(spec.url, 'url'), body: JSON.stringify(toWebhookV4(n, receiver, spec.maxAlerts)) };
    case 'slack':
      return { kind: 'http', url: required(spec.url, 'url'), body: JSON.stringify(toSlack(n)) };
    case 'msteams':
      return { kind: 'http', url: required(spec.url, 'url'), body: JSON.stringify(toTeams(n)) };
    case 'pagerduty':
      return { kind: 'http', url: spec.url || PAGERDUTY_EVENTS_URL, body: JSON.stringify(toPagerDuty(n, required(spec.routingKey, 'routingKey'))) };
    case 'email': {
      if (!spec.to.length) throw new ContactPointConfigError('the contact point has no recipients (to)');
      const { subject, text } = toEmail(n);
      return { kind: 'email', to: spec.to, subject, text };
    }
  }
}

/** A contact point that cannot be delivered to as written; retrying will not help until it is fixed. */
export class ContactPointConfigError extends Error {}

function required(value: string | undefined, field: string): string {
  if (!value) throw new ContactPointConfigError(`the contact point has no ${field}`);
  return value;
}
