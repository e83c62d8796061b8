/** API types for the web UI, inferred from the shared zod schemas (type-only: no zod at run time). */
import type { z } from 'zod';
import type {
  activityEntrySchema,
  auditEntrySchema,
  changeRequestViewSchema,
  diffSchema,
  kindViewSchema,
  meSchema,
  notificationViewSchema,
  resourceListSchema,
  reviewViewSchema,
  revisionViewSchema,
  tokenViewSchema,
  updateProfileSchema,
  userViewSchema,
} from '../../shared/api.schema.ts';
import type { resourceViewSchema, ResourceDocumentInput, ServiceSpec, TeamSpec } from '../../shared/resource.schema.ts';

export type Me = z.infer<typeof meSchema>;
export type UserView = z.infer<typeof userViewSchema>;
/** The body of PATCH /api/v1/me. */
export type ProfilePatch = z.input<typeof updateProfileSchema>;
export type TokenView = z.infer<typeof tokenViewSchema>;
export type ResourceView = z.infer<typeof resourceViewSchema>;
export type ResourceList = z.infer<typeof resourceListSchema>;
export type RevisionView = z.infer<typeof revisionViewSchema>;
export type DiffView = z.infer<typeof diffSchema>;
export type ChangeRequestView = z.infer<typeof changeRequestViewSchema>;
export type ReviewView = z.infer<typeof reviewViewSchema>;
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type ActivityEntry = z.infer<typeof activityEntrySchema>;
export type KindView = z.infer<typeof kindViewSchema>;
export type NotificationView = z.infer<typeof notificationViewSchema>;
export type { ResourceDocumentInput, ServiceSpec, TeamSpec };

/** A page of a cursor-paginated list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A field problem from the server (`details.issues` of RESOURCE_INVALID / VALIDATION_FAILED). */
export type { ApiIssue as Issue } from '../../shared/api-error.ts';

/** The marker the API shows in place of a secret value. */
export const SECRET_SET = '<secret:set>';
