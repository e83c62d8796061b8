import { z } from 'zod';
import { nameSchema, resourceViewSchema } from './resource.schema.ts';

/** Every Ethos API error: `{"error": {code, message, details}}`. */
export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const scopeSchema = z.enum(['read', 'write', 'ingest']);
export type Scope = z.infer<typeof scopeSchema>;

export const loginRequestSchema = z.object({ username: z.string().min(1).max(63), password: z.string().min(1).max(1024) });

export const userViewSchema = z.object({
  name: z.string(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  admin: z.boolean(),
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
});
export type UserView = z.infer<typeof userViewSchema>;

export const meSchema = z.object({
  user: userViewSchema,
  teams: z.array(z.object({ team: z.string(), role: z.enum(['maintainer', 'member']) })),
  csrfToken: z.string().nullable(),
  via: z.enum(['session', 'token']),
  scopes: z.array(scopeSchema),
});

/** Passwords: long enough to matter, short enough to hash quickly. */
export const passwordSchema = z.string().min(10, 'a password has at least 10 characters').max(256);

export const changePasswordSchema = z.object({ currentPassword: z.string().max(1024), newPassword: passwordSchema });

export const createUserSchema = z
  .object({
    name: nameSchema,
    displayName: z.string().max(200).optional(),
    email: z.email().optional(),
    admin: z.boolean().default(false),
    password: passwordSchema.optional(),
  })
  .strict();

export const updateUserSchema = z
  .object({
    displayName: z.string().max(200).nullable().optional(),
    email: z.email().nullable().optional(),
    admin: z.boolean().optional(),
    disabled: z.boolean().optional(),
    resetPassword: z.boolean().optional(),
  })
  .strict();

/** A display name: what the UI shows in place of the user name. */
export const displayNameSchema = z.string().trim().min(1, 'a display name has at least one character; send null to remove it').max(200);

/** An email address, for notifications; 254 characters is the most SMTP carries. */
export const emailSchema = z.email().max(254);

/** `PATCH /api/v1/me`: a user changes their own display name and email address (null removes one). */
export const updateProfileSchema = z
  .object({
    displayName: displayNameSchema.nullable().optional(),
    email: emailSchema.nullable().optional(),
  })
  .strict();
export type ProfilePatch = z.infer<typeof updateProfileSchema>;

export const tokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(['personal', 'team', 'ingest']),
  user: z.string().nullable(),
  team: z.string().nullable(),
  scopes: z.array(scopeSchema),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export type TokenView = z.infer<typeof tokenViewSchema>;

export const createTokenSchema = z
  .object({
    name: z.string().min(1).max(100),
    type: z.enum(['personal', 'team', 'ingest']).default('personal'),
    team: nameSchema.optional(),
    scopes: z.array(scopeSchema).min(1).default(['read']),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const listQuerySchema = z.object({
  /** One team, or several (repeat the parameter): resources owned by any of them. */
  owner: z.union([z.string().max(63), z.array(z.string().max(63)).max(100)]).optional(),
  label: z.union([z.string(), z.array(z.string())]).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const resourceListSchema = z.object({ items: z.array(resourceViewSchema), nextCursor: z.string().nullable() });

/** What every view of a revision says about it. */
export const revisionSummarySchema = z.object({
  revision: z.number().int(),
  author: z.string(),
  message: z.string(),
  source: z.string(),
  deleted: z.boolean(),
  changeRequest: z.number().int().nullable(),
  createdAt: z.string(),
});

export const revisionViewSchema = revisionSummarySchema.extend({
  document: z.record(z.string(), z.unknown()).nullable(),
  secretsChanged: z.array(z.string()),
});

export const diffSchema = z.object({ from: z.number().int(), to: z.number().int(), patch: z.string(), secretsChanged: z.array(z.string()) });

export const applyRequestSchema = z.object({
  documents: z.array(z.unknown()).max(2000, 'send at most 2000 documents per request'),
  dryRun: z.boolean().default(false),
  message: z.string().max(2000).optional(),
});

export const applyOutcomeSchema = z.enum(['created', 'updated', 'unchanged', 'proposed', 'denied', 'invalid']);
export const applyResultSchema = z.object({
  kind: z.string().nullable(),
  name: z.string().nullable(),
  outcome: applyOutcomeSchema,
  diff: z.string(),
  revision: z.number().int().nullable(),
  changeRequest: z.number().int().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type ApplyResult = z.infer<typeof applyResultSchema>;

export const changeRequestCreateSchema = z
  .object({
    document: z.record(z.string(), z.unknown()).optional(),
    delete: z.object({ kind: z.string(), name: z.string() }).optional(),
    baseRevision: z.number().int().min(0).optional(),
    message: z.string().max(10_000).default(''),
  })
  .strict();

export const changeRequestPatchSchema = z
  .object({
    document: z.record(z.string(), z.unknown()).optional(),
    message: z.string().max(10_000).optional(),
    baseRevision: z.number().int().min(0).optional(),
    state: z.literal('closed').optional(),
  })
  .strict();

export const reviewCreateSchema = z
  .object({ verdict: z.enum(['approve', 'request_changes', 'comment']), body: z.string().max(10_000).default('') })
  .strict();

export const reviewViewSchema = z.object({
  id: z.number().int(),
  author: z.string(),
  verdict: z.enum(['approve', 'request_changes', 'comment']),
  body: z.string(),
  version: z.number().int(),
  current: z.boolean(),
  createdAt: z.string(),
});

export const changeRequestViewSchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  name: z.string(),
  owner: z.string(),
  operation: z.enum(['create', 'update', 'delete']),
  state: z.enum(['open', 'merged', 'closed']),
  author: z.string(),
  message: z.string(),
  baseRevision: z.number().int(),
  currentRevision: z.number().int(),
  stale: z.boolean(),
  version: z.number().int(),
  document: z.record(z.string(), z.unknown()).nullable(),
  diff: z.string(),
  conflict: z.object({ baseToCurrent: z.string(), baseToProposed: z.string() }).nullable(),
  approvals: z.array(z.string()),
  mergeable: z.boolean(),
  mergedBy: z.string().nullable(),
  mergedRevision: z.number().int().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  reviews: z.array(reviewViewSchema).optional(),
});
export type ChangeRequestView = z.infer<typeof changeRequestViewSchema>;

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  targetKind: z.string().nullable(),
  targetName: z.string().nullable(),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

/** One entry of the activity feed: a revision of a resource. */
export const activityEntrySchema = revisionSummarySchema.extend({ kind: z.string(), name: z.string(), owner: z.string() });
export type ActivityEntry = z.infer<typeof activityEntrySchema>;

/** A kind as the UI needs it: its spec's JSON Schema and its secret fields. */
export const kindViewSchema = z.object({
  kind: z.string(),
  specSchema: z.record(z.string(), z.unknown()),
  secretFields: z.array(z.string()),
  selfOwned: z.boolean(),
});

/** One notification in a user's inbox; `changeRequest` is the change request it is about, if any. */
export const notificationViewSchema = z.object({
  id: z.number().int(),
  type: z.string(),
  changeRequest: z.number().int().nullable(),
  summary: z.string(),
  createdAt: z.string(),
  read: z.boolean(),
});
export type NotificationView = z.infer<typeof notificationViewSchema>;

export const inboxListSchema = z.object({ items: z.array(notificationViewSchema), nextCursor: z.string().nullable() });

/** Marks some notifications (`ids`), or every one (`all`), read. */
export const inboxReadRequestSchema = z.object({ ids: z.array(z.number().int()).max(500).optional(), all: z.boolean().optional() });

/** How many notifications the caller has not read yet. */
export const inboxCountSchema = z.object({ unread: z.number().int() });
