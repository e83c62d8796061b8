import { z } from 'zod';
import { ACTION_ITEM_STATUSES, ACTION_ITEM_TYPES, POSTMORTEM_SECTIONS, POSTMORTEM_STATUSES, type PostmortemSection } from './postmortem-sections.ts';

/*
 * Postmortems and their action items: written by a team after an incident (or on their own), in
 * the sections of the Google SRE postmortem template. Shared by the server, the web UI and the CLI;
 * the OpenAPI document is generated from these schemas.
 */

export { ACTION_ITEM_STATUSES, ACTION_ITEM_TYPES, POSTMORTEM_SECTIONS, POSTMORTEM_STATUSES, SECTION_LABELS } from './postmortem-sections.ts';
export type { ActionItemStatus, ActionItemType, PostmortemSection, PostmortemStatus } from './postmortem-sections.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
/** A section's text: may be emptied (""), up to 20,000 characters. */
const sectionText = z.string().trim().max(20_000);
const teamName = z.string().trim().min(1).max(63);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);
const isoTime = z.iso.datetime({ offset: true, error: 'must be a date and time such as 2026-06-01T12:00:00Z' });
const id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** One entry of a postmortem's timeline (editable: pre-filled from the incident). */
export const timelineEntrySchema = z.object({ at: isoTime, text: text(2000) }).strict();
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

/** A supporting link (dashboards, chat logs, the change that triggered it). */
export const supportingLinkSchema = z.object({ title: text(200), url: httpUrl }).strict();
export type SupportingLink = z.infer<typeof supportingLinkSchema>;

const sectionsShape = Object.fromEntries(POSTMORTEM_SECTIONS.map((s) => [s, z.string()])) as Record<PostmortemSection, z.ZodString>;

/** Who made a record and when it last changed. */
const stamps = { createdBy: z.string(), createdAt: z.string(), updatedAt: z.string() };

/** A postmortem as a list shows it. */
export const postmortemSummarySchema = z.object({
  id: z.number().int(),
  title: z.string(),
  team: z.string().describe('the owning team: its members edit it'),
  incident: z.number().int().nullable().describe('the incident it is about (null: standalone)'),
  status: z.enum(POSTMORTEM_STATUSES),
  summary: z.string(),
  ...stamps,
  publishedAt: z.string().nullable().describe('when it was first published'),
});
export type PostmortemSummary = z.infer<typeof postmortemSummarySchema>;

/** A finding of the blameless language check (advice only: it never blocks a save or publishing). */
export const blamelessFindingSchema = z.object({
  field: z.string().optional(),
  kind: z.enum(['phrase', 'name']),
  phrase: z.string(),
  match: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  suggestion: z.string(),
});

/** An action item as the API shows it. */
export const actionItemSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  team: z.string().describe('the owner team: only its members (and admins) change the status'),
  postmortem: z.number().int().nullable(),
  postmortemTitle: z.string().nullable(),
  dueDate: z.string().describe('YYYY-MM-DD; overdue from the next day (UTC) while open or in progress'),
  type: z.enum(ACTION_ITEM_TYPES),
  status: z.enum(ACTION_ITEM_STATUSES),
  trackerUrl: z.string().nullable(),
  overdue: z.boolean(),
  ...stamps,
  completedAt: z.string().nullable().describe('when it was marked done'),
});
export type ActionItem = z.infer<typeof actionItemSchema>;

/** A review comment. */
export const postmortemCommentSchema = z.object({ id: z.number().int(), author: z.string(), at: z.string(), text: z.string() });
export type PostmortemComment = z.infer<typeof postmortemCommentSchema>;

/** A postmortem with every section, its timeline, links, action items and review comments. */
export const postmortemDetailSchema = postmortemSummarySchema.extend({
  ...sectionsShape,
  startedAt: z.string().nullable().describe('when the impact started (from the incident)'),
  resolvedAt: z.string().nullable().describe('when the service was restored (from the incident)'),
  timeline: z.array(timelineEntrySchema),
  links: z.array(supportingLinkSchema),
  revision: z.number().int().describe('grows with every change; send it back as baseRevision to avoid overwriting someone else'),
  actionItems: z.array(actionItemSchema),
  comments: z.array(postmortemCommentSchema),
  warnings: z.array(blamelessFindingSchema).describe('blameless language advice on the sections (never blocks)'),
});
export type PostmortemDetail = z.infer<typeof postmortemDetailSchema>;

/** What people write: the title, the sections, the times, the timeline and the links (each optional). */
const editable = {
  title: text(200).optional(),
  ...(Object.fromEntries(POSTMORTEM_SECTIONS.map((s) => [s, sectionText.optional()])) as Record<PostmortemSection, z.ZodOptional<typeof sectionText>>),
  startedAt: isoTime.nullable().optional(),
  resolvedAt: isoTime.nullable().optional(),
  timeline: z.array(timelineEntrySchema).max(500).optional(),
  links: z.array(supportingLinkSchema).max(100).optional(),
};

/** POST /api/v1/postmortems: from an incident (`incident`; the team defaults to the incident's) or standalone (`team` and `title`). */
export const postmortemCreateSchema = z
  .object({
    team: teamName.optional().describe('the owning team (default: the incident’s team)'),
    incident: id.optional().describe('pre-fills the title, impact, resolution, times and timeline from this incident'),
    ...editable,
  })
  .strict()
  .refine((p) => p.incident !== undefined || p.team !== undefined, { message: 'give the owning team (or an incident to take it from)', path: ['team'] })
  .refine((p) => p.incident !== undefined || p.title !== undefined, { message: 'a standalone postmortem needs a title', path: ['title'] });
export type PostmortemCreate = z.infer<typeof postmortemCreateSchema>;

/** PATCH /api/v1/postmortems/{id}: sections, title, times, timeline and links (lists are replaced whole). */
export const postmortemPatchSchema = z
  .object({
    ...editable,
    baseRevision: z.number().int().min(1).optional().describe('the revision edited: a later one answers 409 POSTMORTEM_STALE'),
  })
  .strict()
  .refine((p) => Object.entries(p).some(([k, v]) => k !== 'baseRevision' && v !== undefined), 'change at least one section, the title, the times, the timeline or the links');
export type PostmortemPatch = z.infer<typeof postmortemPatchSchema>;

/** POST /api/v1/postmortems/{id}/status. */
export const postmortemStatusSchema = z.object({ status: z.enum(POSTMORTEM_STATUSES) }).strict();

/** POST /api/v1/postmortems/{id}/comments. */
export const postmortemCommentCreateSchema = z.object({ text: text(5000) }).strict();

/** GET /api/v1/postmortems: newest first; `q` searches published postmortems only. */
export const postmortemListQuerySchema = z.object({
  team: z.string().max(63).optional(),
  status: z.enum(POSTMORTEM_STATUSES).optional(),
  incident: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().describe('the postmortem of this incident'),
  q: z.string().trim().max(200).optional().describe('words in the title, summary, root causes or lessons (published postmortems only)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d+$/).optional().describe('nextCursor of the previous page'),
});
export type PostmortemListQuery = z.infer<typeof postmortemListQuerySchema>;

export const postmortemListSchema = z.object({ items: z.array(postmortemSummarySchema), nextCursor: z.string().nullable() });

/** One field changed by a revision. */
export const revisionChangeSchema = z.object({
  field: z.string(),
  from: z.unknown().optional().describe("the value before; for readers outside the owning team, only a status change's"),
  to: z.unknown().optional().describe('the value after (as `from`)'),
});

/** One entry of a postmortem's history: who changed what, when. */
export const postmortemRevisionSchema = z.object({
  revision: z.number().int(),
  author: z.string(),
  at: z.string(),
  action: z.enum(['created', 'edited', 'status']),
  changes: z.array(revisionChangeSchema),
});
export type PostmortemRevision = z.infer<typeof postmortemRevisionSchema>;
export const postmortemRevisionListSchema = z.object({ items: z.array(postmortemRevisionSchema) });

/** GET /api/v1/postmortems/digest: recently published postmortems with their lessons. */
export const digestQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(365).default(30),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
export const digestSchema = z.object({
  since: z.string(),
  items: z.array(
    postmortemSummarySchema.pick({ id: true, title: true, team: true, incident: true, summary: true }).extend({
      publishedAt: z.string(),
      wentWell: z.string(),
      wentWrong: z.string(),
      whereWeGotLucky: z.string(),
      actionItems: z.object({ total: z.number().int(), done: z.number().int() }),
    }),
  ),
});
export type Digest = z.infer<typeof digestSchema>;

/** GET /api/v1/postmortems/names: the people the blameless check flags by name. */
export const languageNamesSchema = z.object({ names: z.array(z.string()) });

/** POST /api/v1/action-items. */
export const actionItemCreateSchema = z
  .object({
    title: text(300),
    team: teamName.describe('the owner team (may differ from the postmortem’s)'),
    dueDate: z.iso.date({ error: 'must be a date such as 2026-07-01' }),
    type: z.enum(ACTION_ITEM_TYPES),
    postmortem: id.optional(),
    trackerUrl: httpUrl.optional(),
  })
  .strict();
export type ActionItemCreate = z.infer<typeof actionItemCreateSchema>;

/** PATCH /api/v1/action-items/{id}: the status is the owner team's; the rest its team's or the postmortem's. */
export const actionItemPatchSchema = z
  .object({
    title: text(300).optional(),
    team: teamName.optional(),
    dueDate: z.iso.date({ error: 'must be a date such as 2026-07-01' }).optional(),
    type: z.enum(ACTION_ITEM_TYPES).optional(),
    status: z.enum(ACTION_ITEM_STATUSES).optional(),
    trackerUrl: httpUrl.nullable().optional(),
  })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'change at least one of title, team, dueDate, type, status, trackerUrl');
export type ActionItemPatch = z.infer<typeof actionItemPatchSchema>;

/** GET /api/v1/action-items: overdue first, then by due date. */
export const actionItemListQuerySchema = z.object({
  team: z.union([z.string().max(63), z.array(z.string().max(63)).max(100)]).optional().describe('only items these teams own (repeat for several)'),
  status: z.enum([...ACTION_ITEM_STATUSES, 'unfinished']).optional().describe('one status, or "unfinished": open or in progress'),
  overdue: z.enum(['true', 'false']).optional().describe('true: only overdue items'),
  postmortem: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[0-2]:\d{4}-\d{2}-\d{2}:\d+$/)
    .optional()
    .describe('nextCursor of the previous page'),
});
export type ActionItemListQuery = z.infer<typeof actionItemListQuerySchema>;
export const actionItemListSchema = z.object({ items: z.array(actionItemSchema), nextCursor: z.string().nullable() });

/** GET /api/v1/action-items/stats?team=: how a team gets its action items done. */
export const actionItemStatsQuerySchema = z.object({ team: teamName });
export const actionItemStatsSchema = z.object({
  team: z.string(),
  total: z.number().int(),
  open: z.number().int().describe('open or in progress, overdue included'),
  overdue: z.number().int(),
  done: z.number().int(),
  doneOnTime: z.number().int().describe('done no later than the due date (UTC)'),
  wontDo: z.number().int(),
  completionRate: z.number().nullable().describe('done ÷ (total − won’t do); null when there is nothing to do'),
  onTimeRate: z.number().nullable().describe('done on time ÷ done; null before anything is done'),
});
export type ActionItemStats = z.infer<typeof actionItemStatsSchema>;
