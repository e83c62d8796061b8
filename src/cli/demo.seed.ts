import { z } from 'zod';
import { applyResultSchema, tokenViewSchema } from '../shared/api.schema.ts';
import { ApiError, apiPath, type ApiClient } from './api-client.ts';
import { CliError } from './output.ts';
import type { Role } from '../../examples/shop-service/roles.ts';

/** A team of the demo organisation. */
export interface DemoTeam {
  name: string;
  title: string;
  members: { user: string; displayName: string; role: 'maintainer' | 'member' }[];
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

/** The demo's teams: each owns services and has a maintainer and a member. */
export const DEMO_TEAMS: DemoTeam[] = [
  {
    name: 'storefront',
    title: 'Storefront',
    members: [
      { user: 'carol', displayName: 'Carol Storefront', role: 'maintainer' },
      { user: 'dave', displayName: 'Dave Storefront', role: 'member' },
    ],
  },
  {
    name: 'payments',
    title: 'Payments',
    members: [
      { user: 'alice', displayName: 'Alice Payments', role: 'maintainer' },
      { user: 'bob', displayName: 'Bob Payments', role: 'member' },
    ],
  },
  {
    name: 'platform',
    title: 'Platform',
    members: [
      { user: 'erin', displayName: 'Erin Platform', role: 'maintainer' },
      { user: 'frank', displayName: 'Frank Platform', role: 'member' },
    ],
  },
];

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
const createdTokenSchema = tokenViewSchema.extend({ token: z.string() });

/** The Team and Service documents of the demo organisation. */
export function demoDocuments(teams: DemoTeam[] = DEMO_TEAMS, services: DemoService[] = DEMO_SERVICES): Record<string, unknown>[] {
  return [
    ...teams.map((t) => ({
      apiVersion: 'ethos/v1',
      kind: 'Team',
      metadata: { name: t.name, owner: t.name, title: t.title, labels: { demo: 'true' } },
      spec: { members: t.members.map((m) => ({ user: m.user, role: m.role })), email: `${t.name}@example.com`, chat: `#${t.name}` },
    })),
    ...services.map((s) => ({
      apiVersion: 'ethos/v1',
      kind: 'Service',
      metadata: { name: s.name, owner: s.owner, title: s.title, labels: { demo: 'true', tier: s.tier }, description: `${s.title}. Run by \`ethos demo\` from examples/shop-service (role "${s.role}").` },
      spec: { lifecycle: 'production', tier: s.tier, system: 'shop', dependsOn: s.dependsOn },
    })),
  ];
}

/**
 * Creates the demo organisation through the API, as an administrator would: the members as users
 * (with `memberPassword`, to be changed at their first sign-in), the teams and services in one
 * apply, and a fresh team token with the `ingest` scope per team. Running it again changes nothing
 * but the tokens: earlier demo tokens are revoked.
 * @param api a client whose token belongs to an administrator, with `read` and `write`.
 * @returns the ingest token of each team, by team name.
 */
export async function seedDemoOrganisation(api: ApiClient, opts: { memberPassword: string; teams?: DemoTeam[]; services?: DemoService[] }): Promise<Record<string, string>> {
  const teams = opts.teams ?? DEMO_TEAMS;
  for (const m of teams.flatMap((t) => t.members)) {
    try {
      await api.request('POST', '/api/v1/users', { body: { name: m.user, displayName: m.displayName, email: `${m.user}@example.com`, admin: false, password: opts.memberPassword } });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'USER_EXISTS')) throw err;
    }
  }

  const { results } = await api.request('POST', '/api/v1/apply', { body: { documents: demoDocuments(teams, opts.services), message: 'ethos demo' }, schema: applyAnswerSchema });
  const refused = results.filter((r) => !['created', 'updated', 'unchanged'].includes(r.outcome));
  if (refused.length) throw new CliError(`the demo organisation was not written: ${refused.map((r) => `${r.kind}/${r.name}: ${r.outcome} (${r.error?.message ?? 'no reason given'})`).join('; ')}`);

  const tokens: Record<string, string> = {};
  for (const team of teams) {
    const { items } = await api.request('GET', '/api/v1/tokens', { query: { team: team.name }, schema: tokenListSchema });
    for (const old of items) if (old.name === DEMO_TOKEN_NAME && !old.revokedAt) await api.request('DELETE', apiPath('/api/v1/tokens', old.id));
    const created = await api.request('POST', '/api/v1/tokens', { body: { name: DEMO_TOKEN_NAME, type: 'team', team: team.name, scopes: ['ingest'] }, schema: createdTokenSchema });
    tokens[team.name] = created.token;
  }
  return tokens;
}
