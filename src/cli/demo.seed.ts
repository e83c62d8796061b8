import { z } from 'zod';
import { applyResultSchema, tokenViewSchema, userViewSchema } from '../shared/api.schema.ts';
import { ApiError, apiPath, type ApiClient } from './api-client.ts';
import { seedDemoIncidents } from './demo.incidents.ts';
import { demoPeople, type DemoPeople } from './demo.people.ts';
import { demoSurveyDocument, seedDemoSurvey } from './demo.survey.ts';
import { CliError } from './output.ts';
import type { Role } from '../../examples/shop-service/roles.ts';

/** A person of a demo team. */
export interface DemoMember {
  user: string;
  displayName: string;
  role: 'maintainer' | 'member';
  /**
   * Has signed in before: the seed signs in as them to answer the survey and to write the
   * incidents and postmortems, so they keep the demo password without having to change it.
   */
  active?: true;
}

/** A team of the demo organisation. */
export interface DemoTeam {
  name: string;
  title: string;
  members: DemoMember[];
}

/** A service of the demo organisation, played by the shop example in `role`. */
export interface DemoService {
  name: string;
  owner: string;
  role: Role;
  title: string;
  tier: string;
  dependsOn: string[];
}

/**
 * The demo's teams: three own the services, each with a maintainer, a member and the active people
 * who answered the survey (enough for its reporting minimum); the people team runs the survey.
 */
export const DEMO_TEAMS: DemoTeam[] = [
  {
    name: 'storefront',
    title: 'Storefront',
    members: [
      { user: 'carol', displayName: 'Carol Storefront', role: 'maintainer' },
      { user: 'dave', displayName: 'Dave Storefront', role: 'member' },
      { user: 'judith', displayName: 'Judith Storefront', role: 'member', active: true },
      { user: 'kieran', displayName: 'Kieran Storefront', role: 'member', active: true },
      { user: 'lorenzo', displayName: 'Lorenzo Storefront', role: 'member', active: true },
    ],
  },
  {
    name: 'payments',
    title: 'Payments',
    members: [
      { user: 'alice', displayName: 'Alice Payments', role: 'maintainer' },
      { user: 'bob', displayName: 'Bob Payments', role: 'member' },
      { user: 'marisol', displayName: 'Marisol Payments', role: 'member', active: true },
      { user: 'nadia', displayName: 'Nadia Payments', role: 'member', active: true },
      { user: 'oskar', displayName: 'Oskar Payments', role: 'member', active: true },
      { user: 'priya', displayName: 'Priya Payments', role: 'member', active: true },
    ],
  },
  {
    name: 'platform',
    title: 'Platform',
    members: [
      { user: 'erin', displayName: 'Erin Platform', role: 'maintainer' },
      { user: 'frank', displayName: 'Frank Platform', role: 'member' },
      { user: 'rosalind', displayName: 'Rosalind Platform', role: 'member', active: true },
      { user: 'quentin', displayName: 'Quentin Platform', role: 'member', active: true },
      { user: 'santiago', displayName: 'Santiago Platform', role: 'member', active: true },
    ],
  },
  {
    name: 'people',
    title: 'People',
    members: [
      { user: 'hannah', displayName: 'Hannah People', role: 'maintainer', active: true },
      { user: 'ingrid', displayName: 'Ingrid People', role: 'member' },
    ],
  },
];

/** The team that runs the demo survey, and the teams it asks. */
export const DEMO_SURVEY_OWNER = 'people';
export const DEMO_SURVEY_TARGETS = ['storefront', 'payments', 'platform'];

/** The demo's services; checkout calls payments (which calls the ledger) and notifications. */
export const DEMO_SERVICES: DemoService[] = [
  { name: 'catalog', owner: 'storefront', role: 'catalog', title: 'Product catalogue and search', tier: '2', dependsOn: [] },
  { name: 'checkout', owner: 'storefront', role: 'checkout', title: 'Carts and orders', tier: '1', dependsOn: ['payments', 'notifications'] },
  { name: 'payments', owner: 'payments', role: 'payments', title: 'Card authorizations and refunds', tier: '1', dependsOn: ['ledger'] },
  { name: 'ledger', owner: 'payments', role: 'ledger', title: 'Double-entry bookkeeping', tier: '1', dependsOn: [] },
  { name: 'accounts', owner: 'platform', role: 'accounts', title: 'Customer accounts and sign-in', tier: '1', dependsOn: [] },
  { name: 'notifications', owner: 'platform', role: 'notifications', title: 'Email and SMS', tier: '3', dependsOn: [] },
];

/** The name of the ingest token the demo creates for each team (earlier ones are revoked). */
export const DEMO_TOKEN_NAME = 'ethos-demo';

const applyAnswerSchema = z.object({ results: z.array(applyResultSchema) });
const tokenListSchema = z.object({ items: z.array(tokenViewSchema) });
const userListSchema = z.object({ items: z.array(userViewSchema) });
const createdTokenSchema = tokenViewSchema.extend({ token: z.string() });

/** The SLOs of the demo services: under the demo's load each spends a third to a half of its error budget, and neither alerts. */
export const DEMO_SLOS = [
  { name: 'checkout-availability', owner: 'storefront', service: 'checkout', sli: { type: 'availability' }, objective: 98, description: 'Orders that go through: checkout answers without a server error.' },
  { name: 'payments-latency', owner: 'payments', service: 'payments', sli: { type: 'latency', threshold: 0.5 }, objective: 97, description: 'Card authorizations answered within 500 ms.' },
];

/** The Team, Service, Slo and Survey documents of the demo organisation. */
export function demoDocuments(): Record<string, unknown>[] {
  return [
    ...DEMO_TEAMS.map((t) => ({
      apiVersion: 'ethos/v1',
      kind: 'Team',
      metadata: { name: t.name, owner: t.name, title: t.title, labels: { demo: 'true' } },
      spec: { members: t.members.map((m) => ({ user: m.user, role: m.role })), email: `${t.name}@example.com`, chat: `#${t.name}` },
    })),
    ...DEMO_SERVICES.map((s) => ({
      apiVersion: 'ethos/v1',
      kind: 'Service',
      metadata: { name: s.name, owner: s.owner, title: s.title, labels: { demo: 'true', tier: s.tier }, description: `${s.title}. Run by \`ethos demo\` from examples/shop-service (role "${s.role}").` },
      spec: { lifecycle: 'production', tier: s.tier, system: 'shop', dependsOn: s.dependsOn },
    })),
    ...DEMO_SLOS.map((o) => ({
      apiVersion: 'ethos/v1',
      kind: 'Slo',
      metadata: { name: o.name, owner: o.owner, labels: { demo: 'true' }, description: o.description },
      spec: { service: o.service, sli: o.sli, objective: o.objective, window: '30d' },
    })),
    demoSurveyDocument(DEMO_SURVEY_OWNER, DEMO_SURVEY_TARGETS),
  ];
}

/** The active person who acts for a team in the demo's stories (the first of its active members). */
export function demoPersonOf(team: string): string {
  const person = DEMO_TEAMS.find((t) => t.name === team)?.members.find((m) => m.active);
  if (!person) throw new Error(`the demo team "${team}" has no active member`);
  return person.user;
}

/**
 * Creates the demo organisation through the API, as an administrator would: the members as users
 * (with `memberPassword`, to be changed at their first sign-in), the teams, services, SLOs and the
 * survey in one apply, and a fresh team token with the `ingest` scope per team owning services.
 * Then, as the active people themselves (who keep `memberPassword` without changing it): a survey
 * with a closed round and its results and an open round, and two resolved incidents with their
 * postmortems (one published, one a draft) and action items. Running it again changes nothing but
 * the tokens: earlier demo tokens are revoked.
 * @param api a client whose token belongs to an administrator, with `read` and `write`.
 * @returns the ingest token of each team that owns services, by team name.
 */
export async function seedDemoOrganisation(api: ApiClient, opts: { memberPassword: string }): Promise<Record<string, string>> {
  const people = demoPeople(api, opts.memberPassword);
  try {
    await createDemoUsers(api, people, opts.memberPassword);
    const { results } = await api.request('POST', '/api/v1/apply', { body: { documents: demoDocuments(), message: 'ethos demo' }, schema: applyAnswerSchema });
    const refused = results.filter((r) => !['created', 'updated', 'unchanged'].includes(r.outcome));
    if (refused.length) throw new CliError(`the demo organisation was not written: ${refused.map((r) => `${r.kind}/${r.name}: ${r.outcome} (${r.error?.message ?? 'no reason given'})`).join('; ')}`);

    const tokens: Record<string, string> = {};
    // the server's clock, which the stories' dates follow (a test's server runs on a clock of its own)
    let now = new Date(0);
    for (const team of new Set(DEMO_SERVICES.map((s) => s.owner))) {
      const { items } = await api.request('GET', '/api/v1/tokens', { query: { team }, schema: tokenListSchema });
      for (const old of items) if (old.name === DEMO_TOKEN_NAME && !old.revokedAt) await api.request('DELETE', apiPath('/api/v1/tokens', old.id));
      const created = await api.request('POST', '/api/v1/tokens', { body: { name: DEMO_TOKEN_NAME, type: 'team', team, scopes: ['ingest'] }, schema: createdTokenSchema });
      tokens[team] = created.token;
      now = new Date(created.createdAt);
    }

    const respondents = DEMO_TEAMS.filter((t) => DEMO_SURVEY_TARGETS.includes(t.name)).flatMap((t) => t.members.filter((m) => m.active).map((m) => ({ user: m.user, team: t.name })));
    await seedDemoSurvey(api, people, { now, runner: demoPersonOf(DEMO_SURVEY_OWNER), respondents, openRoundTeams: ['payments', 'platform'] });
    await seedDemoIncidents(api, people, { now, personOf: demoPersonOf });
    return tokens;
  } finally {
    await people.signOut();
  }
}

/** Creates the demo's people who do not exist yet; a new active one signs in at once to take the demo password. */
async function createDemoUsers(api: ApiClient, people: DemoPeople, password: string): Promise<void> {
  // creating a user costs the server a password hash even when the name is taken: ask first
  const { items: users } = await api.request('GET', '/api/v1/users', { query: { limit: 500 }, schema: userListSchema });
  const existing = new Set(users.map((u) => u.name.toLowerCase()));
  // several hashes at once go faster
  await Promise.all(
    DEMO_TEAMS.flatMap((t) => t.members.filter((m) => !existing.has(m.user))).map(async (m) => {
      if (m.active) {
        if (await people.create({ name: m.user, displayName: m.displayName })) await people.as(m.user);
        return;
      }
      try {
        await api.request('POST', '/api/v1/users', { body: { name: m.user, displayName: m.displayName, email: `${m.user}@example.com`, admin: false, password } });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'USER_EXISTS')) throw err;
      }
    }),
  );
}
