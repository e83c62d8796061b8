/*
 * The built-in survey instruments: their items exactly as published (a validated scale loses its
 * validity when reworded), the 7-point answer scales, and the guidance shown beside results.
 * Shared by the server (questionnaires, scoring), the web UI and the CLI.
 */

/** A 7-point answer scale: labels for 1..7. */
export type ScaleLabels = readonly [string, string, string, string, string, string, string];

/** Edmondson's accuracy scale ("very inaccurate" … "very accurate"). */
export const ACCURACY_SCALE: ScaleLabels = ['Very inaccurate', 'Mostly inaccurate', 'Somewhat inaccurate', 'Neither accurate nor inaccurate', 'Somewhat accurate', 'Mostly accurate', 'Very accurate'];

/** The agreement scale used by Westrum's questions (as DORA asks them) and by custom items. */
export const AGREEMENT_SCALE: ScaleLabels = ['Strongly disagree', 'Disagree', 'Somewhat disagree', 'Neither agree nor disagree', 'Somewhat agree', 'Agree', 'Strongly agree'];

/** Lowest and highest answer on every scale. */
export const SCALE_MIN = 1;
export const SCALE_MAX = 7;

/** One question of a questionnaire. */
export interface InstrumentItem {
  /** Stable id, unique within a questionnaire: `<instrument>.<n>` or `custom.<id>`. */
  id: string;
  text: string;
  /** Scored as 8 − answer, so that higher always means safer / more generative. */
  reversed: boolean;
  /** What a low score on this item suggests trying (shown with results). */
  guidance?: string;
}

/** A built-in instrument. */
export interface Instrument {
  id: BuiltInInstrumentId;
  title: string;
  /** Where the instrument comes from, for the results page and docs. */
  source: string;
  scale: ScaleLabels;
  items: InstrumentItem[];
}

export const BUILT_IN_INSTRUMENTS = ['psychological-safety', 'westrum'] as const;
export type BuiltInInstrumentId = (typeof BUILT_IN_INSTRUMENTS)[number];

/** Edmondson (1999), "Psychological Safety and Learning Behavior in Work Teams", Administrative Science Quarterly 44(2). */
export const PSYCHOLOGICAL_SAFETY: Instrument = {
  id: 'psychological-safety',
  title: 'Team psychological safety',
  source: 'Edmondson, A. (1999). Psychological Safety and Learning Behavior in Work Teams. Administrative Science Quarterly, 44(2), 350–383.',
  scale: ACCURACY_SCALE,
  items: [
    {
      id: 'psychological-safety.1',
      text: 'If you make a mistake on this team, it is often held against you.',
      reversed: true,
      guidance: 'Treat mistakes as information about the system: run blameless reviews, and have leads talk openly about their own mistakes first.',
    },
    {
      id: 'psychological-safety.2',
      text: 'Members of this team are able to bring up problems and tough issues.',
      reversed: false,
      guidance: 'Make room for problems: a standing "what worries you?" item in retrospectives, and thank the person who raises the bad news.',
    },
    {
      id: 'psychological-safety.3',
      text: 'People on this team sometimes reject others for being different.',
      reversed: true,
      guidance: 'Agree on how the team disagrees: rotate who facilitates meetings, ask quieter members first, and call out dismissive remarks when they happen.',
    },
    {
      id: 'psychological-safety.4',
      text: 'It is safe to take a risk on this team.',
      reversed: false,
      guidance: 'Make small bets cheap: time-boxed experiments, feature flags and fast rollback, and reviews that ask what was learnt rather than who decided.',
    },
    {
      id: 'psychological-safety.5',
      text: 'It is difficult to ask other members of this team for help.',
      reversed: true,
      guidance: 'Make help-seeking normal: pairing, office hours, and leads who ask for help visibly.',
    },
    {
      id: 'psychological-safety.6',
      text: 'No one on this team would deliberately act in a way that undermines my efforts.',
      reversed: false,
      guidance: 'Build dependability: make commitments and ownership explicit (who does what by when) and talk about conflicts early and in private.',
    },
    {
      id: 'psychological-safety.7',
      text: 'Working with members of this team, my unique skills and talents are valued and utilized.',
      reversed: false,
      guidance: 'Give work meaning and impact: match work to strengths, share why work matters, and show people the effect of what they shipped.',
    },
  ],
};

/** Westrum's typology of organisational cultures, measured with the questions DORA uses (Forsgren, Humble, Kim 2018). */
export const WESTRUM: Instrument = {
  id: 'westrum',
  title: 'Organisational culture (Westrum)',
  source: 'Westrum, R. (2004). A typology of organisational cultures. Quality and Safety in Health Care, 13(suppl 2), ii22–ii27; questions as used by DORA: Forsgren, N., Humble, J., Kim, G. (2018). Accelerate. IT Revolution.',
  scale: AGREEMENT_SCALE,
  items: [
    { id: 'westrum.1', text: 'On my team, information is actively sought.', reversed: false, guidance: 'Share by default: open dashboards, written decisions, and demos where other teams are welcome.' },
    { id: 'westrum.2', text: 'On my team, failures are learning opportunities, and messengers of them are not punished.', reversed: false, guidance: 'Publish blameless postmortems and follow their action items through; thank whoever reports a problem.' },
    { id: 'westrum.3', text: 'On my team, responsibilities are shared.', reversed: false, guidance: 'Share operational load: a fair on-call rotation and shared ownership of services, not heroes.' },
    { id: 'westrum.4', text: 'On my team, cross-functional collaboration is encouraged and rewarded.', reversed: false, guidance: 'Invite other teams into your work: contribute to their tools through change requests, and review theirs.' },
    { id: 'westrum.5', text: 'On my team, failure causes inquiry.', reversed: false, guidance: 'Ask "how did the system allow this?" rather than "who did this?" after every incident.' },
    { id: 'westrum.6', text: 'On my team, new ideas are welcomed.', reversed: false, guidance: 'Give new ideas a path: a lightweight proposal process and time set aside to try them.' },
  ],
};

/** The built-in instruments by id. */
export const INSTRUMENTS: Record<BuiltInInstrumentId, Instrument> = { 'psychological-safety': PSYCHOLOGICAL_SAFETY, westrum: WESTRUM };

/**
 * Project Aristotle's five dynamics of effective teams (Google re:Work, 2015–2016), in the order
 * Google found them to matter; shown as guidance with every result.
 */
export const TEAM_DYNAMICS: { name: string; question: string; practices: string }[] = [
  { name: 'Psychological safety', question: 'Can we take risks on this team without feeling insecure or embarrassed?', practices: 'Leaders model fallibility ("I may miss something, tell me"), ask questions, and respond to bad news with appreciation.' },
  { name: 'Dependability', question: 'Can we count on each other to do high-quality work on time?', practices: 'Clear ownership, explicit commitments, and following up on what was promised (action items with owners and dates).' },
  { name: 'Structure and clarity', question: 'Are goals, roles and execution plans on our team clear?', practices: 'Written goals, a visible plan, and decision records people can find.' },
  { name: 'Meaning', question: 'Are we working on something that is personally important for each of us?', practices: 'Talk about why the work matters and let people shape what they work on.' },
  { name: 'Impact', question: 'Do we fundamentally believe that the work we are doing matters?', practices: 'Show the effect of the work: user outcomes, delivery metrics, and the incidents that did not happen.' },
];

/** A score after reverse-scoring: `8 − answer` for reversed items. */
export function scoreAnswer(item: Pick<InstrumentItem, 'reversed'>, answer: number): number {
  return item.reversed ? SCALE_MIN + SCALE_MAX - answer : answer;
}
