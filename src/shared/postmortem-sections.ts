/*
 * The words of postmortems and action items — statuses, sections and their labels, types — without
 * zod, so that the web pages that need them do not load the schemas (postmortem.schema.ts builds on
 * these).
 */

/** Where a postmortem stands: drafts and reviews are read by the owning team (and admins) only. */
export const POSTMORTEM_STATUSES = ['draft', 'in-review', 'published'] as const;
export type PostmortemStatus = (typeof POSTMORTEM_STATUSES)[number];

/** The text sections of a postmortem, in the template's order. */
export const POSTMORTEM_SECTIONS = ['summary', 'impact', 'rootCauses', 'trigger', 'resolution', 'detection', 'wentWell', 'wentWrong', 'whereWeGotLucky'] as const;
export type PostmortemSection = (typeof POSTMORTEM_SECTIONS)[number];

/** What each section holds, for people (the editor's labels and hints, the CLI's headings). */
export const SECTION_LABELS: Record<PostmortemSection, { label: string; hint: string }> = {
  summary: { label: 'Summary', hint: 'What happened, in two or three sentences.' },
  impact: { label: 'Impact', hint: 'Who noticed what, for how long: users, requests, revenue, other teams.' },
  rootCauses: { label: 'Root causes', hint: 'The conditions in the system that made this possible; usually more than one.' },
  trigger: { label: 'Trigger', hint: 'What set the latent conditions off (a deploy, a traffic spike, a certificate expiring).' },
  resolution: { label: 'Resolution', hint: 'What restored the service, and what was tried first.' },
  detection: { label: 'Detection', hint: 'How and when we found out: an alert, a customer, by chance.' },
  wentWell: { label: 'What went well', hint: 'Practices and tools that helped; keep doing them.' },
  wentWrong: { label: 'What went wrong', hint: 'Where the system, the process or the tools made things harder.' },
  whereWeGotLucky: { label: 'Where we got lucky', hint: 'Near misses: what could have made this much worse.' },
};

/** What an action item does about the incident. */
export const ACTION_ITEM_TYPES = ['prevent', 'mitigate', 'detect', 'process'] as const;
export type ActionItemType = (typeof ACTION_ITEM_TYPES)[number];

/** Where an action item stands; only its owner team moves it. */
export const ACTION_ITEM_STATUSES = ['open', 'in-progress', 'done', 'wont-do'] as const;
export type ActionItemStatus = (typeof ACTION_ITEM_STATUSES)[number];
