import { z } from 'zod';
import { nameSchema } from './resource.schema.ts';
import { BUILT_IN_INSTRUMENTS, SCALE_MAX, SCALE_MIN } from './survey-instruments.ts';

/*
 * Surveys: a Survey resource (owned by the team that runs it) targets teams; its maintainers open
 * rounds; each member of a targeted team answers once through a personal code; results show per
 * group only after the round closes and only above the reporting minimum. Shared by the server,
 * the web UI and the CLI.
 */

export const SURVEY_KIND = 'Survey';

/** The reporting minimum nobody can go below, and the default. */
export const MIN_REPORTING_MINIMUM = 3;
export const DEFAULT_REPORTING_MINIMUM = 5;

const customItemSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(40)
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'use lower-case letters and digits, with "-" between them'),
    text: z.string().trim().min(3).max(300),
    reversed: z.boolean().default(false).describe('true when agreeing is the unsafe answer: scored as 8 − answer'),
  })
  .strict();

/** The spec of a Survey document. */
export const surveySpecSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(5_000).optional(),
    targets: z
      .array(nameSchema)
      .min(1, 'name at least one team to ask')
      .max(200)
      .refine((t) => new Set(t.map((x) => x.toLowerCase())).size === t.length, 'a team is listed twice')
      .describe('the teams whose members are invited; each is a group in the results'),
    instruments: z
      .array(z.enum(BUILT_IN_INSTRUMENTS))
      .max(BUILT_IN_INSTRUMENTS.length)
      .default(['psychological-safety'])
      .refine((t) => new Set(t).size === t.length, 'an instrument is listed twice')
      .describe("built-in instruments: Edmondson's 7-item team psychological safety scale, Westrum's organisational culture questions"),
    items: z
      .array(customItemSchema)
      .max(30)
      .default([])
      .refine((t) => new Set(t.map((x) => x.id)).size === t.length, 'two custom items have the same id')
      .describe('custom statements answered on a 7-point agreement scale'),
    freeText: z
      .object({ question: z.string().trim().min(3).max(300) })
      .strict()
      .optional()
      .describe('one optional free-text question; answers are stored apart from the scale answers and shown only above the minimum, in random order'),
    anonymity: z
      .object({
        minimumResponses: z
          .number()
          .int()
          .min(MIN_REPORTING_MINIMUM, `the reporting minimum is never below ${MIN_REPORTING_MINIMUM}`)
          .max(1000)
          .default(DEFAULT_REPORTING_MINIMUM)
          .describe('a group shows results only with at least this many responses; locked once the first response arrives'),
      })
      .strict()
      .default({ minimumResponses: DEFAULT_REPORTING_MINIMUM }),
  })
  .strict()
  .refine((s) => s.instruments.length + s.items.length > 0, { message: 'ask something: choose an instrument or add custom items', path: ['instruments'] });
export type SurveySpec = z.infer<typeof surveySpecSchema>;

/** One question as a respondent sees it. */
export const questionSchema = z.object({ id: z.string(), text: z.string() });

/** A section of a questionnaire: one instrument, or the custom items. */
export const questionnaireSectionSchema = z.object({
  instrument: z.string().describe('a built-in instrument id, or "custom"'),
  title: z.string(),
  scale: z.array(z.string()).length(7).describe('labels of answers 1..7'),
  items: z.array(questionSchema.extend({ reversed: z.boolean() })),
});
export type QuestionnaireSection = z.infer<typeof questionnaireSectionSchema>;

/** What a round asks: fixed when the round opens, so later edits of the survey do not change it. */
export const questionnaireSchema = z.object({
  title: z.string(),
  description: z.string().nullable(),
  sections: z.array(questionnaireSectionSchema),
  freeText: z.string().nullable(),
});
export type Questionnaire = z.infer<typeof questionnaireSchema>;

export const ROUND_STATUSES = ['scheduled', 'open', 'closed'] as const;
export type RoundStatus = (typeof ROUND_STATUSES)[number];

/** Opening a round. */
export const roundCreateSchema = z
  .object({
    opensAt: z.iso.datetime({ offset: true }).optional().describe('default: now'),
    closesAt: z.iso.datetime({ offset: true }).describe('results appear when the round closes'),
  })
  .strict();
export type RoundCreate = z.infer<typeof roundCreateSchema>;

/** A group's participation as shown while a round runs and after it closes. */
export const participationSchema = z.object({
  group: z.string().describe('a team name, or "organisation" for all targeted teams together'),
  invited: z.number().int(),
  responses: z
    .number()
    .int()
    .nullable()
    .describe("null while the group is below the reporting minimum (or could be derived from other groups); while a round runs, only the organisation's count is shown"),
});

/** A round as the API shows it. */
export const roundViewSchema = z.object({
  survey: z.string(),
  owner: z.string(),
  number: z.number().int(),
  status: z.enum(ROUND_STATUSES),
  opensAt: z.string(),
  closesAt: z.string(),
  closedEarly: z.boolean(),
  minimumResponses: z.number().int(),
  targets: z.array(z.string()),
  participation: z.array(participationSchema),
  openedBy: z.string(),
  remindedAt: z.string().nullable().describe('when non-respondents were last reminded (at most once a day)'),
});
export type RoundView = z.infer<typeof roundViewSchema>;
export const roundListSchema = z.object({ items: z.array(roundViewSchema) });

/** Why a group's results are not shown. */
export const WITHHELD_REASONS = ['below-minimum', 'could-be-derived'] as const;

/** One item's results in a group. */
export const itemResultSchema = z.object({
  id: z.string(),
  text: z.string(),
  reversed: z.boolean(),
  mean: z.number().describe('mean answer after reverse-scoring (1–7, higher is safer)'),
  distribution: z.array(z.number().int()).length(7).describe('how many answered 1..7 (as answered, before reverse-scoring)'),
});

/** One instrument's results in a group. */
export const instrumentResultSchema = z.object({
  instrument: z.string(),
  title: z.string(),
  score: z.number().describe('mean of the items after reverse-scoring, 1–7'),
  items: z.array(itemResultSchema),
});
export type InstrumentResult = z.infer<typeof instrumentResultSchema>;

/** A group's results (a team, or the organisation). */
export const groupResultSchema = z.object({
  group: z.string(),
  kind: z.enum(['team', 'organisation']),
  shown: z.boolean(),
  withheld: z.enum(WITHHELD_REASONS).nullable(),
  invited: z.number().int(),
  responses: z.number().int().nullable(),
  participation: z.number().nullable().describe('responses / invited, when shown'),
  instruments: z.array(instrumentResultSchema),
  comments: z.array(z.string()).describe('free-text answers in random order, when shown'),
});
export type GroupResult = z.infer<typeof groupResultSchema>;

/** A closed round's results, as far as the viewer may see them. */
export const roundResultsSchema = z.object({
  survey: z.string(),
  owner: z.string(),
  round: z.number().int(),
  opensAt: z.string(),
  closesAt: z.string(),
  minimumResponses: z.number().int(),
  freeTextQuestion: z.string().nullable(),
  groups: z.array(groupResultSchema),
});
export type RoundResults = z.infer<typeof roundResultsSchema>;

/** Scores of one group across closed rounds (only the rounds where it was shown). */
export const trendSchema = z.object({
  survey: z.string(),
  groups: z.array(
    z.object({
      group: z.string(),
      points: z.array(z.object({ round: z.number().int(), closesAt: z.string(), participation: z.number(), scores: z.record(z.string(), z.number()) })),
    }),
  ),
});
export type Trend = z.infer<typeof trendSchema>;

/** One of the signed-in person's invitations. */
export const invitationViewSchema = z.object({
  survey: z.string(),
  owner: z.string(),
  title: z.string(),
  round: z.number().int(),
  team: z.string().describe('the team the questions are about'),
  status: z.enum(['scheduled', 'pending', 'answered', 'closed', 'missed']),
  opensAt: z.string(),
  closesAt: z.string(),
  code: z.string().nullable().describe('the personal single-use code, while it can be used'),
});
export type InvitationView = z.infer<typeof invitationViewSchema>;
export const invitationListSchema = z.object({ items: z.array(invitationViewSchema) });

/** A personal code, sent in a body so that it never appears in a URL or a request log. */
export const codeSchema = z.object({ code: z.string().min(10).max(200) }).strict();

/** What a respondent sees for a code. */
export const questionnaireViewSchema = z.object({
  survey: z.string(),
  round: z.number().int(),
  team: z.string(),
  closesAt: z.string(),
  status: z.enum(['scheduled', 'open', 'closed', 'answered']),
  minimumResponses: z.number().int(),
  questionnaire: questionnaireSchema,
});
export type QuestionnaireView = z.infer<typeof questionnaireViewSchema>;

/** An anonymous response: every scale item answered 1–7; the free text is optional. */
export const responseSubmitSchema = z
  .object({
    code: z.string().min(10).max(200),
    answers: z.record(z.string().max(60), z.number().int().min(SCALE_MIN).max(SCALE_MAX)),
    comment: z.string().max(4000).optional(),
  })
  .strict();
export type ResponseSubmit = z.infer<typeof responseSubmitSchema>;
