import { describe, expect, it } from 'vitest';
import type { ResourceView } from '../../app/types.ts';
import type { AlertView } from './alerting.api.ts';
import { inhibitText, routeText } from './policy-words.ts';
import { ruleText } from './rule-words.ts';
import { newSilenceUrl, silenceMatchers } from './silence-of-alert.ts';
import { expiredSpec, silenceTimes } from './silence-words.ts';

const silence = (spec: Record<string, unknown>, updatedAt = '2026-06-01T12:00:00.000Z'): ResourceView => ({
  apiVersion: 'ethos/v1',
  kind: 'Silence',
  metadata: { name: 's', owner: 'payments', labels: {}, revision: 1, createdAt: updatedAt, updatedAt },
  spec,
});
const at = (iso: string) => Date.parse(iso);

describe('alerting in words', () => {
  it('says what each kind of condition watches, with for and keepFiringFor when they are set', () => {
    expect(ruleText({ condition: { type: 'metric', metric: 'queue.depth', fn: 'max', window: '5m', where: {}, by: [], op: '>', threshold: 100 }, for: '30s', keepFiringFor: '0s' })).toBe('max of queue.depth over 5m > 100, for 30s');
    expect(ruleText({ condition: { type: 'metric', metric: 'red.duration', fn: 'p95', window: '10m', where: { 'http.route': '/orders' }, by: ['region'], op: '>=', threshold: 0.5 }, for: '0s', keepFiringFor: '2m' })).toBe(
      'p95 of red.duration where http.route=/orders over 10m by region >= 0.5, keeps firing for 2m after',
    );
    expect(ruleText({ condition: { type: 'exceptions', event: 'new', window: '5m', op: '>', threshold: 0 } })).toBe('a new exception group');
    expect(ruleText({ condition: { type: 'exceptions', event: 'rate', window: '1m', op: '>', threshold: 10 } })).toBe('exceptions over 1m > 10');
    expect(ruleText({ condition: { type: 'logs', query: 'payment failed', severity: 'error', where: {}, window: '5m', op: '>', threshold: 3 } })).toBe('log records containing “payment failed” at error or above over 5m > 3');
    expect(ruleText({ condition: { type: 'absence', metric: 'heartbeat', where: { job: 'nightly' }, for: '1h' } })).toBe('no sample of heartbeat where job=nightly for 1h');
  });

  it('says where a policy’s route sends which alerts, grouped and timed how', () => {
    expect(routeText({ matchers: ['severity=page'], contactPoints: ['payments-pager'], groupBy: ['alertname', 'service'], groupWait: '0s', groupInterval: '1m', repeatInterval: '4h' })).toBe(
      'severity=page → payments-pager, grouped by alertname, service; wait 0s, interval 1m, repeat 4h',
    );
    expect(routeText({ matchers: [], contactPoints: ['mail', 'chat'], groupBy: ['...'], groupWait: '30s', groupInterval: '5m', repeatInterval: '1d', muteTimeIntervals: ['nights'], continue: true })).toBe(
      'every alert → mail, chat, each alert alone; wait 30s, interval 5m, repeat 1d; muted during nights; then the next routes too',
    );
    expect(inhibitText({ sourceMatchers: ['alertname=down'], targetMatchers: ['severity=ticket'], equal: [] })).toBe('alertname=down mutes severity=ticket');
  });

  it('tells a silence’s status from its start (else when it was written) and end', () => {
    const now = at('2026-06-01T13:00:00Z');
    expect(silenceTimes(silence({ endsAt: '2026-06-01T14:00:00Z' }), now).status).toBe('active');
    expect(silenceTimes(silence({ startsAt: '2026-06-01T13:30:00Z', endsAt: '2026-06-01T14:00:00Z' }), now).status).toBe('pending');
    expect(silenceTimes(silence({ endsAt: '2026-06-01T12:30:00Z' }), now).status).toBe('expired');
    expect(silenceTimes(silence({ endsAt: '2026-06-01T14:00:00Z' }, '2026-06-01T13:10:00Z'), now)).toEqual({ startsAt: '2026-06-01T13:10:00Z', endsAt: '2026-06-01T14:00:00Z', status: 'pending' });
  });

  it('expires a silence now, dropping the start of one that has not begun (an end before its start is refused)', () => {
    const now = new Date('2026-06-01T13:00:00Z');
    expect(expiredSpec(silence({ matchers: ['a=b'], startsAt: '2026-06-01T12:00:00Z', endsAt: '2026-06-01T14:00:00Z', comment: 'c' }), now)).toEqual({ matchers: ['a=b'], startsAt: '2026-06-01T12:00:00Z', endsAt: now.toISOString(), comment: 'c' });
    expect(expiredSpec(silence({ matchers: ['a=b'], startsAt: '2026-06-01T15:00:00Z', endsAt: '2026-06-01T16:00:00Z', comment: 'c' }), now)).toEqual({ matchers: ['a=b'], endsAt: now.toISOString(), comment: 'c' });
  });

  it('silences an alert by its alertname, service and own labels, for its team, for two hours', () => {
    const alert = { rule: 'queue-deep', owner: 'payments', labels: { alertname: 'queue-deep', team: 'payments', severity: 'page', service: 'checkout', pool: 'a', 'bad-name': 'x' } } as unknown as AlertView;
    expect(silenceMatchers(alert)).toEqual(['alertname=queue-deep', 'service=checkout', 'pool=a']);
    const url = new URL(newSilenceUrl(alert, at('2026-06-01T12:00:00Z')), 'http://x');
    expect(url.pathname).toBe('/resources/Silence/new');
    expect(url.searchParams.get('owner')).toBe('payments');
    expect(JSON.parse(url.searchParams.get('spec')!)).toEqual({ matchers: ['alertname=queue-deep', 'service=checkout', 'pool=a'], endsAt: '2026-06-01T14:00:00.000Z' });
  });
});
