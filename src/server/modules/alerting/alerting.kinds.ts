import {
  ALERT_RULE_KIND,
  alertRuleSpecSchema,
  CONTACT_POINT_KIND,
  contactPointSpecSchema,
  NOTIFICATION_POLICY_KIND,
  notificationPolicySpecSchema,
  SILENCE_KIND,
  silenceSpecSchema,
  SLO_KIND,
  sloSpecSchema,
} from '../../../shared/alerting.schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { KindDefinition, WriteContext } from '../resources/kinds.ts';
import type { ResourceService } from '../resources/resources.service.ts';

const key = (s: string) => s.toLowerCase();

/** A refusal that points at the field a person has to change. */
function fieldError(code: string, path: string, message: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError(code, `${path}: ${message}`, { field: path, issues: [{ path, message }], ...extra });
}

/**
 * The alerting kinds: AlertRule (on a service its owner owns), ContactPoint (secret url and
 * routing key), NotificationPolicy (routes to the owner's contact points; one organisation default,
 * admins only) and Silence. Each is written by its owning team; others propose changes.
 */
export function alertingKinds(deps: { resources: Pick<ResourceService, 'loadStored'>; maxRulesPerTeam: () => number; changed(kind: string): void }): KindDefinition[] {
  const afterWrite = (kind: string) => async () => deps.changed(kind);

  /** The service a resource's spec names, which its owner must own (`code` prefixes the error codes). */
  async function requireServiceOwner(ctx: WriteContext, code: 'ALERT_RULE' | 'SLO', what: string): Promise<void> {
    const next = ctx.next!;
    const serviceName = String(next.spec.service);
    const service = await deps.resources.loadStored(ctx.trx, 'Service', serviceName);
    if (!service || service.deleted) throw fieldError(`${code}_SERVICE_UNKNOWN`, 'spec.service', `there is no service "${serviceName}" in the catalog`);
    const owner = service.document.metadata.owner;
    if (key(owner) !== key(next.metadata.owner)) {
      throw fieldError(
        `${code}_NOT_SERVICE_OWNER`,
        'metadata.owner',
        `service "${service.document.metadata.name}" is owned by team "${owner}": its ${what} are owned by that team too (set metadata.owner to "${owner}"; if you are not in it, propose the ${what.replace(/s$/, '')} with a change request)`,
        { owner, propose: '/api/v1/change-requests' },
      );
    }
  }

  const alertRule: KindDefinition = {
    kind: ALERT_RULE_KIND,
    spec: alertRuleSpecSchema,
    async validate(ctx: WriteContext) {
      const next = ctx.next;
      if (!next) return;
      const serviceName = String(next.spec.service);
      const service = await deps.resources.loadStored(ctx.trx, 'Service', serviceName);
      if (!service || service.deleted) {
        throw fieldError('ALERT_RULE_SERVICE_UNKNOWN', 'spec.service', `there is no service "${serviceName}" in the catalog`);
      }
      const owner = service.document.metadata.owner;
      if (key(owner) !== key(next.metadata.owner)) {
        throw fieldError(
          'ALERT_RULE_NOT_SERVICE_OWNER',
                    'metadata.owner',
          `service "${service.document.metadata.name}" is owned by team "${owner}": its alert rules are owned by that team too (set metadata.owner to "${owner}"; if you are not in it, propose the rule with a change request)`,
          { owner, propose: '/api/v1/change-requests' },
        );
      }
      if (!ctx.current) {
        const limit = deps.maxRulesPerTeam();
        const owned = (await ctx.ownedBy(key(next.metadata.owner))).filter((r) => r.kind === ALERT_RULE_KIND).length;
        if (owned >= limit) {
          throw new AppError('ALERT_RULE_QUOTA_EXCEEDED', `team "${next.metadata.owner}" already has ${owned} alert rules, its quota (ETHOS_QUOTA_ALERT_RULES): remove rules it no longer needs, or ask an administrator to raise the quota`, { limit, owned });
        }
      }
    },
    afterWrite: afterWrite(ALERT_RULE_KIND),
  };

  const contactPoint: KindDefinition = {
    kind: CONTACT_POINT_KIND,
    spec: contactPointSpecSchema as never,
    secretFields: ['url', 'routingKey'],
    afterWrite: afterWrite(CONTACT_POINT_KIND),
  };

  const notificationPolicy: KindDefinition = {
    kind: NOTIFICATION_POLICY_KIND,
    spec: notificationPolicySpecSchema as never,
    authorize(ctx: WriteContext) {
      const doc = ctx.next ?? ctx.current!.document;
      const wasDefault = ctx.current?.document.spec.organisationDefault === true;
      if ((doc.spec.organisationDefault === true || wasDefault) && !ctx.actor.admin) {
        throw new AppError('NOT_OWNER', 'only administrators write the organisation default notification policy');
      }
    },
    async validate(ctx: WriteContext) {
      const next = ctx.next;
      if (!next) return;
      const routes = next.spec.routes as { contactPoints: string[] }[];
      for (const [i, r] of routes.entries()) {
        for (const [j, name] of r.contactPoints.entries()) {
          const cp = await deps.resources.loadStored(ctx.trx, CONTACT_POINT_KIND, name);
          if (!cp || cp.deleted) throw fieldError('RESOURCE_INVALID', `spec.routes.${i}.contactPoints.${j}`, `there is no contact point "${name}"`);
          if (key(cp.document.metadata.owner) !== key(next.metadata.owner)) {
            throw fieldError('RESOURCE_INVALID', `spec.routes.${i}.contactPoints.${j}`, `contact point "${name}" belongs to team "${cp.document.metadata.owner}": a policy routes to its own team's contact points`);
          }
        }
      }
    },
    afterWrite: afterWrite(NOTIFICATION_POLICY_KIND),
  };

  const silence: KindDefinition = {
    kind: SILENCE_KIND,
    spec: silenceSpecSchema as never,
    afterWrite: afterWrite(SILENCE_KIND),
  };

  const slo: KindDefinition = {
    kind: SLO_KIND,
    spec: sloSpecSchema as never,
    async validate(ctx: WriteContext) {
      if (!ctx.next) return;
      await requireServiceOwner(ctx, 'SLO', 'SLOs');
    },
    afterWrite: afterWrite(SLO_KIND),
  };

  return [alertRule, contactPoint, notificationPolicy, silence, slo];
}
