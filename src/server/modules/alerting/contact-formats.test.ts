import { describe, expect, it } from 'vitest';
import { contactPointSpecSchema } from '../../../shared/alerting.schema.ts';
import {
  PAGERDUTY_EVENTS_URL,
  notificationTitle,
  pagerDutyDedupKey,
  pagerDutySeverity,
  renderForContactPoint,
  toEmail,
  toPagerDuty,
  toSlack,
  toTeams,
  toWebhookV4,
  type AlertPayload,
  type GroupNotification,
} from './contact-formats.ts';

function alert(name: string, extra: Partial<AlertPayload> & { labels?: Record<string, string> } = {}): AlertPayload {
  return {
    status: 'firing',
    labels: { alertname: 'HighLatency', service: 'checkout', severity: 'page', ...extra.labels, instance: name },
    annotations: { summary: `p99 latency of ${name} is 2.3 s`, ...extra.annotations },
    startsAt: '2026-06-01T12:00:00.000Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://ethos.test/alerts/rules/checkout-latency',
    fingerprint: `fp-${name}`,
    ...(extra.status ? { status: extra.status } : {}),
    ...(extra.endsAt ? { endsAt: extra.endsAt } : {}),
  };
}

function notification(alerts: AlertPayload[], extra: Partial<GroupNotification> = {}): GroupNotification {
  return {
    groupKey: '{}/{service="checkout"}:{alertname="HighLatency"}',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    groupLabels: { alertname: 'HighLatency', service: 'checkout' },
    commonLabels: { alertname: 'HighLatency', service: 'checkout', severity: 'page' },
    commonAnnotations: {},
    externalURL: 'http://ethos.test',
    ...extra,
  };
}

const spec = (s: Record<string, unknown>) => contactPointSpecSchema.parse(s);

describe('Alertmanager webhook (version 4)', () => {
  it('carries exactly Alertmanager’s fields, in Alertmanager’s order, with version "4"', () => {
    const n = notification([alert('a')]);
    const body = toWebhookV4(n, 'payments-oncall');
    expect(JSON.parse(JSON.stringify(body))).toEqual({
      receiver: 'payments-oncall',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighLatency', service: 'checkout', severity: 'page', instance: 'a' },
          annotations: { summary: 'p99 latency of a is 2.3 s' },
          startsAt: '2026-06-01T12:00:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://ethos.test/alerts/rules/checkout-latency',
          fingerprint: 'fp-a',
        },
      ],
      groupLabels: { alertname: 'HighLatency', service: 'checkout' },
      commonLabels: { alertname: 'HighLatency', service: 'checkout', severity: 'page' },
      commonAnnotations: {},
      externalURL: 'http://ethos.test',
      version: '4',
      groupKey: '{}/{service="checkout"}:{alertname="HighLatency"}',
      truncatedAlerts: 0,
    });
    expect(Object.keys(body)).toEqual(['receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts']);
    expect(Object.keys(body.alerts[0]!)).toEqual(['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint']);
  });

  it('maxAlerts keeps the first alerts and counts the rest in truncatedAlerts, recomputing status and common labels', () => {
    const n = notification([alert('a'), alert('b', { labels: { severity: 'ticket' } }), alert('c', { status: 'resolved', endsAt: '2026-06-01T12:05:00.000Z' })]);
    const body = toWebhookV4(n, 'r', 1);
    expect(body.alerts.map((a) => a.fingerprint)).toEqual(['fp-a']);
    expect(body.truncatedAlerts).toBe(2);
    expect(body.commonLabels).toEqual({ alertname: 'HighLatency', instance: 'a', service: 'checkout', severity: 'page' });

    const resolvedFirst = notification([alert('c', { status: 'resolved', endsAt: '2026-06-01T12:05:00.000Z' }), alert('a')]);
    expect(toWebhookV4(resolvedFirst, 'r', 1).status).toBe('resolved');
    expect(toWebhookV4(resolvedFirst, 'r', 0).status).toBe('firing');
    expect(toWebhookV4(notification([alert('a')], { truncatedAlerts: 5 }), 'r', 0).truncatedAlerts).toBe(5);
  });
});

describe('titles', () => {
  it('read like Alertmanager’s: status with the firing count, group values, then the other shared values', () => {
    expect(notificationTitle(notification([alert('a'), alert('b')]))).toBe('[FIRING:2] HighLatency checkout (page)');
    expect(notificationTitle(notification([alert('a', { status: 'resolved' })], { status: 'resolved' }))).toBe('[RESOLVED] HighLatency checkout (page)');
  });
});

describe('Slack', () => {
  it('has a readable text and blocks listing each alert, with Slack’s markup characters escaped', () => {
    const n = notification([alert('a', { annotations: { description: 'p99 > 2 s for <5 min> & rising', runbook_url: 'https://runbooks.test/latency' } }), alert('b', { status: 'resolved', endsAt: '2026-06-01T12:07:00.000Z' })]);
    const msg = toSlack(n);
    expect(msg.text).toBe('[FIRING:1] HighLatency checkout (page)');
    const blocks = msg.blocks as { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[];
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(blocks[0]!.text!.text).toContain('[FIRING:1] HighLatency checkout');
    const sections = blocks.filter((b) => b.type === 'section').map((b) => b.text!.text);
    expect(sections).toHaveLength(2);
    expect(sections[0]).toContain(':red_circle: *p99 latency of a is 2.3 s*');
    expect(sections[0]).toContain('p99 &gt; 2 s for &lt;5 min&gt; &amp; rising');
    expect(sections[0]).toContain('<https://runbooks.test/latency|runbook>');
    expect(sections[1]).toContain(':large_green_circle:');
    expect(sections[1]).toContain('resolved at 2026-06-01T12:07:00.000Z');
    expect(blocks.at(-1)!.elements![0]!.text).toBe('<http://ethos.test|Open in Ethos>');
  });

  it('lists at most ten alerts and says how many more', () => {
    const many = notification(Array.from({ length: 14 }, (_, i) => alert(`i${i}`)));
    const blocks = toSlack(many).blocks as { type: string; elements?: { text: string }[] }[];
    expect(blocks.filter((b) => b.type === 'section')).toHaveLength(10);
    expect(blocks.some((b) => b.elements?.[0]?.text === '… and 4 more')).toBe(true);
  });
});

describe('Microsoft Teams', () => {
  it('is a message with one Adaptive Card 1.4 attachment, as Teams Workflows accept', () => {
    const msg = toTeams(notification([alert('a')])) as any;
    expect(msg.type).toBe('message');
    expect(msg.attachments).toHaveLength(1);
    expect(msg.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = msg.attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: '[FIRING:1] HighLatency checkout (page)', color: 'Attention' });
    const facts = card.body[2].items.find((i: any) => i.type === 'FactSet').facts;
    expect(facts).toContainEqual({ title: 'instance', value: 'a' });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open in Ethos', url: 'http://ethos.test' }]);
  });
});

describe('PagerDuty Events API v2', () => {
  it('triggers while firing and resolves with the same dedup_key once resolved', () => {
    const firing = toPagerDuty(notification([alert('a')]), 'R0UTINGKEY') as any;
    expect(firing).toMatchObject({
      routing_key: 'R0UTINGKEY',
      event_action: 'trigger',
      dedup_key: pagerDutyDedupKey('{}/{service="checkout"}:{alertname="HighLatency"}'),
      payload: { summary: '[FIRING:1] HighLatency checkout (page)', source: 'checkout', severity: 'critical', timestamp: '2026-06-01T12:00:00.000Z', component: 'checkout', class: 'HighLatency' },
      client: 'Ethos',
      client_url: 'http://ethos.test',
    });
    expect(firing.dedup_key).toMatch(/^[0-9a-f]{64}$/);
    const resolved = toPagerDuty(notification([alert('a', { status: 'resolved' })], { status: 'resolved' }), 'R0UTINGKEY') as any;
    expect(resolved.event_action).toBe('resolve');
    expect(resolved.dedup_key).toBe(firing.dedup_key);
  });

  it('maps the severity label: page → critical, ticket → warning, info → info, none → error; the highest firing one wins', () => {
    const withSeverity = (...s: (string | undefined)[]) =>
      notification(s.map((sev, i) => ({ ...alert(`x${i}`), labels: { alertname: 'A', ...(sev ? { severity: sev } : {}) } })));
    expect(pagerDutySeverity(withSeverity('page'))).toBe('critical');
    expect(pagerDutySeverity(withSeverity('ticket'))).toBe('warning');
    expect(pagerDutySeverity(withSeverity('info'))).toBe('info');
    expect(pagerDutySeverity(withSeverity(undefined))).toBe('error');
    expect(pagerDutySeverity(withSeverity('info', 'ticket'))).toBe('warning');
  });

  it('posts to events.pagerduty.com unless the contact point names another address', () => {
    const n = notification([alert('a')]);
    expect(renderForContactPoint(spec({ type: 'pagerduty', routingKey: 'k123' }), 'pd', n)).toMatchObject({ kind: 'http', url: PAGERDUTY_EVENTS_URL });
    expect(PAGERDUTY_EVENTS_URL).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(renderForContactPoint(spec({ type: 'pagerduty', routingKey: 'k123', url: 'http://127.0.0.1:9/v2/enqueue' }), 'pd', n)).toMatchObject({ url: 'http://127.0.0.1:9/v2/enqueue' });
  });
});

describe('email', () => {
  it('has the title as subject and a body a person can act on', () => {
    const n = notification([alert('a', { annotations: { description: 'p99 > 2 s', runbook_url: 'https://runbooks.test/latency' } }), alert('b', { status: 'resolved', endsAt: '2026-06-01T12:07:00.000Z' })]);
    const mail = toEmail(n);
    expect(mail.subject).toBe('[Ethos] [FIRING:1] HighLatency checkout (page)');
    expect(mail.text).toContain('1 firing, 1 resolved.');
    expect(mail.text).toContain('Firing:\n- p99 latency of a is 2.3 s\n  p99 > 2 s\n  Labels: alertname=HighLatency, instance=a, service=checkout, severity=page\n  Since: 2026-06-01T12:00:00.000Z\n  Runbook: https://runbooks.test/latency');
    expect(mail.text).toContain('Resolved:\n- p99 latency of b is 2.3 s');
    expect(mail.text).toContain('Open in Ethos: http://ethos.test');
    expect(renderForContactPoint(spec({ type: 'email', to: ['a@example.test', 'b@example.test'] }), 'mail', n)).toMatchObject({ kind: 'email', to: ['a@example.test', 'b@example.test'], subject: mail.subject });
  });
});

describe('sendResolved', () => {
  it('off: resolved alerts are left out, and a notification of only resolved alerts sends nothing', () => {
    const hook = spec({ type: 'webhook', url: 'http://127.0.0.1:9/hook', sendResolved: false });
    const mixed = notification([alert('a'), alert('b', { status: 'resolved' })]);
    const rendered = renderForContactPoint(hook, 'r', mixed);
    expect(rendered?.kind).toBe('http');
    const body = JSON.parse((rendered as { body: string }).body);
    expect(body.alerts.map((a: AlertPayload) => a.fingerprint)).toEqual(['fp-a']);
    expect(body.commonLabels.instance).toBe('a');
    expect(renderForContactPoint(hook, 'r', notification([alert('b', { status: 'resolved' })]))).toBeNull();
    expect(renderForContactPoint({ ...hook, sendResolved: true }, 'r', notification([alert('b', { status: 'resolved' })]))).not.toBeNull();
  });
});
