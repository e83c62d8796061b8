import { z } from 'zod';

/** The API version every resource document carries. */
export const API_VERSION = 'ethos/v1';

/**
 * Backstage's naming rule: letters and digits, with `-`, `_` and `.` only between them,
 * at most 63 characters. Names are unique per kind ignoring case.
 */
export const NAME_PATTERN = /^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$/;

/** A resource or user name. */
export const nameSchema = z
  .string()
  .min(1, 'a name is required')
  .max(63, 'a name is at most 63 characters')
  .regex(NAME_PATTERN, 'use letters and digits, with "-", "_" or "." only between them');

const labelKey = z
  .string()
  .min(1)
  .max(253)
  .regex(/^([A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'invalid label key');
const labelValue = z.string().max(63).regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, 'invalid label value');

/** Metadata shared by every kind. `owner` names a Team. */
export const metadataSchema = z
  .object({
    name: nameSchema,
    owner: nameSchema,
    title: z.string().max(200).optional(),
    description: z.string().max(10_000).optional(),
    labels: z.record(labelKey, labelValue).default({}),
  })
  .strict();

/** A resource document as written by a user; `spec` is checked by the kind's own schema. */
export const documentSchema = z
  .object({
    apiVersion: z.literal(API_VERSION, { message: `apiVersion must be "${API_VERSION}"` }),
    kind: z.string().min(1).max(63),
    metadata: metadataSchema,
    spec: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type ResourceMetadata = z.infer<typeof metadataSchema>;
export type ResourceDocument = z.infer<typeof documentSchema>;
/** A document as accepted from a user, before defaults are applied. */
export type ResourceDocumentInput = z.input<typeof documentSchema>;

/** What the API returns for a resource: the document plus its revision and timestamps. */
export const resourceViewSchema = documentSchema.extend({
  metadata: metadataSchema.extend({
    revision: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
});
export type ResourceView = z.infer<typeof resourceViewSchema>;

/** Marker returned in place of a secret value: the value exists but is never shown. */
export const SECRET_SET = '<secret:set>';

const linkSchema = z.object({ title: z.string().min(1).max(200), url: z.url() }).strict();

/** Team spec: members and contact links. A team owns itself. */
export const teamSpecSchema = z
  .object({
    members: z
      .array(z.object({ user: nameSchema, role: z.enum(['maintainer', 'member']).default('member') }).strict())
      .default([]),
    email: z.email().optional(),
    chat: z.string().max(500).optional(),
    links: z.array(linkSchema).default([]),
  })
  .strict();
export type TeamSpec = z.infer<typeof teamSpecSchema>;

/** Service spec, close to Backstage's Component. */
export const serviceSpecSchema = z
  .object({
    lifecycle: z.enum(['experimental', 'production', 'deprecated']).default('experimental'),
    tier: z.string().max(63).optional(),
    repository: z.url().optional(),
    system: nameSchema.optional(),
    dependsOn: z.array(nameSchema).default([]),
    links: z.array(linkSchema).default([]),
    runbook: z.url().optional(),
  })
  .strict();
export type ServiceSpec = z.infer<typeof serviceSpecSchema>;
