import { incidentDetailSchema, incidentListSchema } from '../shared/incident.schema.ts';
import { actionItemListSchema, actionItemSchema, postmortemDetailSchema, postmortemListSchema, type ActionItemStatus, type ActionItemType, type PostmortemDetail, type PostmortemSection } from '../shared/postmortem.schema.ts';
import { apiPath, type ApiClient } from './api-client.ts';
import type { DemoPeople } from './demo.people.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** An action item of a demo postmortem, and where its owner team has got with it. */
interface DemoActionItem {
  title: string;
  team: string;
  type: ActionItemType;
  /** Days from the seeding day; negative: already past. */
  dueInDays: number;
  status: ActionItemStatus;
}

/** A comment on a postmortem by a member of `team`. */
interface DemoComment {
  team: string;
  text: string;
}

/** An incident the demo organisation has been through, and what its team wrote about it. */
export interface DemoStory {
  service: string;
  team: string;
  incident: { title: string; impact: string; notes: string[]; resolution: string };
  postmortem: {
    status: 'draft' | 'published';
    /** When the impact started, in hours before the seeding. */
    startedHoursAgo: number;
    minutes: number;
    sections: Partial<Record<PostmortemSection, string>>;
    /** What went well, wrong and lucky: written in a second edit, as a team does after its review. */
    lessons?: Partial<Record<'wentWell' | 'wentWrong' | 'whereWeGotLucky', string>>;
    /** Minutes after the start, and what happened. */
    timeline: [number, string][];
    links: { title: string; url: string }[];
    /** A teammate's comment while it is in review (published postmortems only). */
    review?: DemoComment;
    /** Another team's comment once it is published. */
    comment?: DemoComment;
  };
  actionItems: DemoActionItem[];
}

/** The demo's incidents: payments' acquirer timeouts (published postmortem) and platform's sign-in failures (a draft). */
export const DEMO_STORIES: DemoStory[] = [
  {
    service: 'payments',
    team: 'payments',
    incident: {
      title: 'Card payments failing: acquirer timeouts',
      impact: 'About one checkout in eight fails at the payment step with "payment could not be completed".',
      notes: [
        'Acquirer p99 latency at 2.9 s (usually 300 ms); payments is at its limit of 10 acquirer connections.',
        'Every timed-out authorization is retried three times at once, by payments and again by checkout: lowering the retries in payments.',
      ],
      resolution: 'Retries in payments lowered to one with exponential backoff and the acquirer pool raised from 10 to 40 connections (a configuration change, no deploy). The acquirer confirmed a degraded region, since recovered.',
    },
    postmortem: {
      status: 'published',
      startedHoursAgo: 20 * 24 + 5,
      minutes: 48,
      sections: {
        summary:
          'For 48 minutes about one card payment in eight failed. The card acquirer slowed down in one region; the payments service retried each slow authorization three times at once, exhausted its connection pool, and turned a partial slowdown into failed checkouts.',
        impact:
          '12% of checkouts (about 1,900 orders) failed at the payment step for 48 minutes; about a third of those customers retried successfully within the hour. Support answered 140 contacts. No payment was taken twice: the ledger refused the duplicate entries.',
        rootCauses: [
          '- The payments client retried a timed-out authorization three times at once, with no backoff and no retry budget, so a slow acquirer received up to four times the usual load.',
          '- The acquirer connection pool (10 connections) was sized for normal latency; at 3 s per call it was exhausted within a minute, and new requests queued until checkout gave up.',
          '- Checkout retried failed payments as well, multiplying the retries again.',
          '- The HTTP client of the golden-path service template has no circuit breaker, so every service built from it behaves the same way.',
        ].join('\n'),
        trigger: "A regional failover at the card acquirer raised its p99 latency from 300 ms to about 3 s.",
        resolution:
          'The on-call engineer lowered the payments retries to one with exponential backoff and raised the acquirer pool to 40 connections, through a configuration change. Failures stopped within two minutes. Restarting payments was tried first and did not help: the pool filled again within a minute.',
        detection:
          "The checkout-availability SLO's page alert fired 9 minutes after the impact started. Nothing alerted on the acquirer's latency itself, and a customer's report reached support 4 minutes before the page.",
      },
      lessons: {
        wentWell:
          'The SLO alert paged the team that could act, and the payments and storefront on-call engineers were in the incident channel within 5 minutes. The ledger\'s idempotency keys prevented any double charge. The configuration change was reviewed and rolled out in under 3 minutes.',
        wentWrong:
          "The first 15 minutes went into restarting pods, because the service dashboards showed the errors but not the acquirer's latency. Retry settings lived in three places (checkout, payments, the shared client) and nobody had the whole picture. Support learnt of the incident from customers.",
        whereWeGotLucky:
          'It happened on a Tuesday afternoon, not during the weekend sale, when traffic is five times higher. The acquirer recovered shortly after our change: a longer slowdown would have exhausted 40 connections too.',
      },
      timeline: [
        [0, "The acquirer's latency rises in its EU region; retries from payments start to pile up."],
        [5, 'A customer tells support that payment fails at checkout.'],
        [9, 'The checkout-availability page alert fires; the payments on-call engineer acknowledges it.'],
        [12, 'Incident opened; the payments on-call engineer takes command and asks storefront to join.'],
        [14, 'payments restarted: the connection pool fills again within a minute.'],
        [27, 'Traces of failed checkouts show authorizations waiting 2.9 s on the acquirer.'],
        [39, 'Retries lowered to one with backoff, acquirer pool raised to 40 connections.'],
        [41, 'Checkout error rate back to normal; monitoring.'],
        [48, 'The acquirer confirms a degraded region, now recovered. Incident resolved.'],
      ],
      links: [
        { title: "The acquirer's status page entry", url: 'https://status.acquirer.example/incidents/2291' },
        { title: 'Incident channel', url: 'https://chat.example.com/archives/inc-payments-acquirer-timeouts' },
      ],
      review: { team: 'payments', text: 'Could the root causes say where checkout retries, too? It explains why the acquirer saw so much more traffic than we sent ourselves.' },
      comment: { team: 'storefront', text: "Checkout's own retry of failed payments is ours to remove: it is on our board, and we will show a try-again message instead." },
    },
    actionItems: [
      { title: 'Add a circuit breaker and a retry budget to the HTTP client of the golden-path service template', team: 'platform', type: 'prevent', dueInDays: -6, status: 'open' },
      { title: "Alert on the acquirer's p99 latency above 1 s for 5 minutes", team: 'payments', type: 'detect', dueInDays: 3, status: 'done' },
      { title: 'Stop retrying failed payments in checkout; show customers a try-again message instead', team: 'storefront', type: 'mitigate', dueInDays: 21, status: 'open' },
      { title: 'Load-test payments against a slow acquirer before the weekend sale', team: 'payments', type: 'process', dueInDays: 10, status: 'in-progress' },
    ],
  },
  {
    service: 'accounts',
    team: 'platform',
    incident: {
      title: 'Sign-ins failing: accounts database connections exhausted',
      impact: 'About one sign-in in twenty fails with an error.',
      notes: ['Database pool of accounts at 10 of 10 connections in use; a reporting query has been running for 20 minutes.'],
      resolution: 'Cancelled the long-running reporting query; the pool emptied and sign-ins recovered.',
    },
    postmortem: {
      status: 'draft',
      startedHoursAgo: 2 * 24 + 3,
      minutes: 25,
      sections: {
        summary:
          'For 25 minutes about one sign-in in twenty failed: a long-running reporting query held connections of the accounts database pool, and sign-ins waiting for a connection timed out.',
        impact: 'About 5% of sign-ins failed during the morning peak; customers who tried again mostly got in.',
        trigger: 'The monthly reporting job started at the same time as the morning sign-in peak.',
        detection: "The accounts error rate showed on the platform team's dashboard; no alert fired, because accounts has no SLO yet.",
        rootCauses: 'Still being written: the reporting job and sign-ins share one pool of 10 connections, and the job holds its connections for the whole report.',
      },
      timeline: [
        [0, 'The monthly reporting job starts.'],
        [9, 'Sign-in errors rise on the accounts dashboard.'],
        [14, 'Incident opened; the database pool is full.'],
        [22, 'The reporting query is cancelled.'],
        [25, 'Sign-ins back to normal. Incident resolved.'],
      ],
      links: [],
    },
    actionItems: [{ title: 'Give reporting jobs a connection pool of their own', team: 'platform', type: 'prevent', dueInDays: 14, status: 'open' }],
  },
];

const dateIn = (now: Date, days: number) => new Date(now.getTime() + days * DAY).toISOString().slice(0, 10);

/**
 * Creates the demo's incidents through the API as the people of the teams would: each opened by
 * hand, noted and resolved; its postmortem with the sections, the timeline and links (reviewed and
 * published, or left a draft); its action items for several teams, moved on by their owners.
 * What exists is kept (found by the incident's title), so a second run changes nothing.
 * @param admin a client of an administrator, to look things up.
 * @param personOf the demo person who acts for a team.
 * @param now the server's time.
 */
export async function seedDemoIncidents(admin: ApiClient, people: DemoPeople, opts: { now: Date; personOf(team: string): string; stories?: DemoStory[] }): Promise<void> {
  const as = (team: string) => people.as(opts.personOf(team));
  for (const story of opts.stories ?? DEMO_STORIES) {
    const { incident: inc, postmortem: pm } = story;
    const started = opts.now.getTime() - pm.startedHoursAgo * HOUR;

    const { items: incidents } = await admin.request('GET', '/api/v1/incidents', { query: { service: story.service, limit: 200 }, schema: incidentListSchema });
    let incident = incidents.find((i) => i.title === inc.title);
    if (!incident) {
      const api = await as(story.team);
      const created = await api.request('POST', '/api/v1/incidents', { body: { service: story.service, title: inc.title, severity: 'page', impact: inc.impact, commander: opts.personOf(story.team) }, schema: incidentDetailSchema });
      for (const text of inc.notes) await api.request('POST', apiPath('/api/v1/incidents', created.id, 'notes'), { body: { text } });
      for (const status of ['identified', 'monitoring']) await api.request('PATCH', apiPath('/api/v1/incidents', created.id), { body: { status } });
      incident = created;
    }
    if (incident.status !== 'resolved') {
      await (await as(story.team)).request('PATCH', apiPath('/api/v1/incidents', incident.id), { body: { status: 'resolved', resolution: inc.resolution } });
    }

    const { items: existing } = await admin.request('GET', '/api/v1/postmortems', { query: { incident: incident.id }, schema: postmortemListSchema });
    let postmortem: PostmortemDetail;
    if (existing[0]) {
      postmortem = await admin.request('GET', apiPath('/api/v1/postmortems', existing[0].id), { schema: postmortemDetailSchema });
    } else {
      postmortem = await (await as(story.team)).request('POST', '/api/v1/postmortems', {
        body: {
          incident: incident.id,
          ...pm.sections,
          startedAt: new Date(started).toISOString(),
          resolvedAt: new Date(started + pm.minutes * 60_000).toISOString(),
          timeline: pm.timeline.map(([minutes, text]) => ({ at: new Date(started + minutes * 60_000).toISOString(), text })),
          links: pm.links,
        },
        schema: postmortemDetailSchema,
      });
    }
    const path = apiPath('/api/v1/postmortems', postmortem.id);
    if (pm.lessons && !postmortem.wentWell) {
      postmortem = await (await as(story.team)).request('PATCH', path, { body: { ...pm.lessons, baseRevision: postmortem.revision }, schema: postmortemDetailSchema });
    }
    if (pm.status === 'published' && postmortem.status !== 'published') {
      if (postmortem.status === 'draft') await (await as(story.team)).request('POST', `${path}/status`, { body: { status: 'in-review' } });
      if (pm.review && !postmortem.comments.length) await (await as(pm.review.team)).request('POST', `${path}/comments`, { body: { text: pm.review.text } });
      postmortem = await (await as(story.team)).request('POST', `${path}/status`, { body: { status: 'published' }, schema: postmortemDetailSchema });
    }
    if (pm.comment && !postmortem.comments.some((c) => c.text === pm.comment!.text)) {
      await (await as(pm.comment.team)).request('POST', `${path}/comments`, { body: { text: pm.comment.text } });
    }

    const { items } = await admin.request('GET', '/api/v1/action-items', { query: { postmortem: postmortem.id, limit: 200 }, schema: actionItemListSchema });
    for (const wanted of story.actionItems) {
      if (items.some((i) => i.title === wanted.title)) continue;
      const item = await (await as(story.team)).request('POST', '/api/v1/action-items', {
        body: { title: wanted.title, team: wanted.team, dueDate: dateIn(opts.now, wanted.dueInDays), type: wanted.type, postmortem: postmortem.id },
        schema: actionItemSchema,
      });
      if (wanted.status !== 'open') await (await as(wanted.team)).request('PATCH', apiPath('/api/v1/action-items', item.id), { body: { status: wanted.status } });
    }
  }
}
