import { z } from 'zod';

/*
 * Incidents: what a firing `page` alert opens (or joins) for its service, and what people open by
 * hand. Shared by the server, the web UI and the CLI.
 */

/** Where an incident stands; only people move it (an incident never resolves by itself). */
export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** How urgent an incident is: the severities of alerts. */
export const INCIDENT_SEVERITIES = ['page', 'ticket', 'info'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** What a timeline entry records. */
export const INCIDENT_EVENT_TYPES = ['opened', 'alert-fired', 'alert-resolved', 'acknowledged', 'note', 'status', 'commander', 'impact', 'resolution', 'title', 'resolved'] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

/** An incident as the API shows it. */
export const incidentViewSchema = z.object({
  id: z.number().int(),
  service: z.string(),
  owner: z.string().describe('the team that owns the service ("" when none does: only admins change it)'),
  title: z.string(),
  status: z.enum(INCIDENT_STATUSES),
  severity: z.string(),
  commander: z.string().nullable().describe('the person leading the response'),
  impact: z.string().nullable(),
  resolution: z.string().nullable(),
  startedAt: z.string(),
  resolvedAt: z.string().nullable().describe('when it was resolved (with startedAt: the time to restore)'),
  openedBy: z.string().describe('"alert", or the user who opened it'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type IncidentView = z.infer<typeof incidentViewSchema>;

/** One entry of an incident's timeline. */
export const incidentEventSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  type: z.enum(INCIDENT_EVENT_TYPES),
  actor: z.string().nullable().describe('who did it (null: Ethos, for alert events)'),
  text: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type IncidentEvent = z.infer<typeof incidentEventSchema>;

/** An alert linked to an incident. */
export const incidentAlertSchema = z.object({
  rule: z.string(),
  fingerprint: z.string(),
  alertname: z.string(),
  state: z.string().describe('its last state seen by the incident: firing or resolved'),
  linkedAt: z.string(),
});
export type IncidentAlert = z.infer<typeof incidentAlertSchema>;

/** An incident with its timeline (oldest first) and its alerts. */
export const incidentDetailSchema = incidentViewSchema.extend({
  events: z.array(incidentEventSchema),
  alerts: z.array(incidentAlertSchema),
});
export type IncidentDetail = z.infer<typeof incidentDetailSchema>;

/** POST /api/v1/incidents: an incident opened by hand. */
export const incidentCreateSchema = z
  .object({
    service: z.string().trim().min(1).max(63),
    title: text(200),
    severity: z.enum(INCIDENT_SEVERITIES).default('page'),
    impact: text(5000).optional(),
    commander: text(200).optional(),
  })
  .strict();
export type IncidentCreate = z.input<typeof incidentCreateSchema>;

/** PATCH /api/v1/incidents/{id}: each field changed is a timeline entry; `null` clears the commander. */
export const incidentPatchSchema = z
  .object({
    status: z.enum(INCIDENT_STATUSES).optional(),
    commander: text(200).nullable().optional(),
    impact: text(5000).optional(),
    resolution: text(5000).optional(),
    title: text(200).optional(),
  })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'change at least one of status, commander, impact, resolution, title');
export type IncidentPatch = z.infer<typeof incidentPatchSchema>;

/** POST /api/v1/incidents/{id}/notes. */
export const incidentNoteSchema = z.object({ text: text(10_000) }).strict();

/** GET /api/v1/incidents: open ones first, then newest first. */
export const incidentListQuerySchema = z.object({
  service: z.string().max(63).optional(),
  owner: z.string().max(63).optional().describe('only incidents of services this team owns'),
  status: z.enum([...INCIDENT_STATUSES, 'open']).optional().describe('one status, or "open": every status but resolved'),
  severity: z.enum(INCIDENT_SEVERITIES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[01]:\d+$/)
    .optional()
    .describe('nextCursor of the previous page'),
});
export type IncidentListQuery = z.infer<typeof incidentListQuerySchema>;

export const incidentListSchema = z.object({ items: z.array(incidentViewSchema), nextCursor: z.string().nullable() });
