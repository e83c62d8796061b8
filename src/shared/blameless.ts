/*
 * The blameless language check of postmortems: a pure function the web editor runs as people
 * type and the API runs on every save (its findings come back as advisory `warnings`). It flags
 * wording that puts an outcome on a person and suggests wording about the system instead. It
 * advises; nothing is ever refused because of it.
 */

/** One phrase the check looks for. */
interface BlamePattern {
  /** What the finding calls it ("human error"). */
  phrase: string;
  /** Matches the phrase and its usual variants; `u` and `i` flags, whole words. */
  pattern: RegExp;
  /** A systems-focused rewording to try instead. */
  suggestion: string;
}

/** A piece of text the check flagged. */
export interface BlamelessFinding {
  /** The section the text came from (`summary`, `rootCauses` …); absent when checking one text. */
  field?: string;
  /** `phrase`: wording that blames; `name`: a person named in the text. */
  kind: 'phrase' | 'name';
  /** The phrase as listed ("should have"), or the name found. */
  phrase: string;
  /** The text as written ("Should've"). */
  match: string;
  /** Where it starts and ends in the text (UTF-16 offsets, end exclusive). */
  start: number;
  end: number;
  /** What to write instead. */
  suggestion: string;
}

// a word character in any script: names and phrases match whole words only
const W = '[\\p{L}\\p{N}_]';
const word = (body: string) => new RegExp(`(?<!${W})(?:${body})(?!${W})`, 'giu');

const PATTERNS: BlamePattern[] = [
  {
    phrase: 'human error',
    pattern: word('human[\\s-]+errors?|operator[\\s-]+errors?|user[\\s-]+errors?|pilot[\\s-]+errors?'),
    suggestion: 'Say what about the system made the action possible or likely: a missing guardrail, a confusing interface, an unclear runbook, time pressure.',
  },
  {
    phrase: 'should have',
    pattern: word("should(?:n['’]t| not)?[\\s]+have|should(?:n['’]t)?['’]ve"),
    suggestion: 'Hindsight: describe what people knew and saw at the time, and why their action made sense to them then.',
  },
  {
    phrase: 'careless',
    pattern: word('careless(?:ly|ness)?|sloppy|sloppiness'),
    suggestion: 'Describe the conditions (workload, tooling, missing checks) rather than a person’s care.',
  },
  {
    phrase: 'failed to',
    pattern: word('fail(?:ed|s)?\\s+to'),
    suggestion: 'Say what happened and what the system did not provide: “the deploy ran without a canary step” rather than “X failed to run the canary”.',
  },
  {
    phrase: 'fault',
    // technical faults (page fault, fault tolerance, fault injection) are not blame
    pattern: word('(?<!(?:page|segmentation|seg|hardware|network|disk|ground|protection)[\\s-]+)faults?(?![\\s-]+(?:toleran\\S*|injection|domains?|isolation|detection|handling|handler))|faulted|at\\s+fault'),
    suggestion: 'Look for contributing factors in the system instead of someone at fault.',
  },
  {
    phrase: 'negligent',
    pattern: word('negligen(?:t|tly|ce)'),
    suggestion: 'Describe the gap in process or tooling that let the step be skipped.',
  },
  {
    phrase: 'blame',
    pattern: word('blam(?:e|ed|es|ing|eworthy)'),
    suggestion: 'Focus on how the system allowed the event, not on who is responsible for it.',
  },
  {
    phrase: 'mistake by',
    pattern: word('mistakes?\\s+(?:made\\s+)?by|(?:his|her|their|my|your)\\s+mistakes?'),
    suggestion: 'Describe the action and its context (“a config change removed the limit”) instead of whose mistake it was.',
  },
  {
    phrase: "didn't bother",
    pattern: word("did(?:n['’]t|\\s+not)\\s+bother|(?:could|would)(?:n['’]t|\\s+not)\\s+be\\s+bothered"),
    suggestion: 'Ask what made the step easy to skip (too slow, unclear, not automated) and say that.',
  },
  {
    phrase: 'forgot to',
    pattern: word('forg(?:ot|ets|otten)\\s+to'),
    suggestion: 'Say which reminder, checklist or automation was missing: memory is not a control.',
  },
  {
    phrase: 'incompetent',
    pattern: word('incompeten(?:t|ce)|stupid(?:ly|ity)?|lazy|laziness'),
    suggestion: 'Describe the knowledge or support that was missing, such as training, documentation or pairing.',
  },
];

const NAME_SUGGESTION = 'Name the role and the action (“the on-call engineer restarted the database”) instead of the person.';

/** Shortest name flagged: shorter ones ("al") are too often parts of ordinary sentences. */
const MIN_NAME_LENGTH = 3;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How names and stretches of text compare: case folded (as far as toUpperCase/toLowerCase go), any run of white space as one space. */
const canonical = (s: string) => s.toUpperCase().toLowerCase().replace(/\s+/g, ' ');
const WORDS = new RegExp(`(?<!${W})${W}+`, 'gu');
const STARTS_AND_ENDS_WITH_WORD = new RegExp(`^${W}.*${W}$|^${W}$`, 'su');

/** Finds people's names in a text: `(text) => [start, end][]`, whole words, ignoring case, leftmost and then longest first. */
type NameFinder = (text: string) => [number, number][];

/**
 * Matches every name at once. The text is read word by word; at each word, the stretches of the
 * next one, two … words are looked up among the names of as many words, the longest first — so a
 * check costs about the same for ten names or ten thousand (one regular expression of every name
 * took seconds for long texts).
 */
function nameFinder(names: readonly string[]): NameFinder | null {
  const unique = [...new Set(names.map((n) => n.trim()).filter((n) => [...n].length >= MIN_NAME_LENGTH))];
  if (!unique.length) return null;
  /** Names by how many words they have ("Alice Smith": 2). */
  const byWords = new Map<number, Set<string>>();
  const others: string[] = [];
  for (const n of unique) {
    if (!STARTS_AND_ENDS_WITH_WORD.test(n)) {
      others.push(n);
      continue;
    }
    const words = n.match(WORDS)!.length;
    const set = byWords.get(words) ?? new Set<string>();
    set.add(canonical(n));
    byWords.set(words, set);
  }
  const most = Math.max(0, ...byWords.keys());
  // names that start or end with a sign ("(bob)") are few: one pattern for them, longest first
  const rest = others.length ? word(others.sort((x, y) => y.length - x.length).map((n) => escapeRegExp(n).replace(/\s+/g, '\\s+')).join('|')) : null;
  return (text) => {
    const found: [number, number][] = rest ? [...text.matchAll(rest)].map((m) => [m.index, m.index + m[0].length]) : [];
    // a name inside one of those ("bob" in "(bob)") is the same name
    const inside = (start: number, end: number) => found.some(([s, e]) => s <= start && end <= e);
    const words = [...text.matchAll(WORDS)].map((m) => [m.index, m.index + m[0].length] as const);
    for (let i = 0; i < words.length; i++) {
      for (let k = Math.min(most, words.length - i); k >= 1; k--) {
        const start = words[i]![0];
        const end = words[i + k - 1]![1];
        if (byWords.get(k)?.has(canonical(text.slice(start, end))) && !inside(start, end)) {
          found.push([start, end]);
          i += k - 1;
          break;
        }
      }
    }
    return found;
  };
}

/**
 * Flags blaming phrases and people's names in `text`, in order of where they start. `names` are the
 * users' names and display names (the server knows them); they match whole words only, ignoring case.
 */
export function checkBlamelessLanguage(text: string, names: readonly string[] = []): BlamelessFinding[] {
  const found: BlamelessFinding[] = [];
  for (const p of PATTERNS) {
    for (const m of text.matchAll(p.pattern)) {
      found.push({ kind: 'phrase', phrase: p.phrase, match: m[0], start: m.index, end: m.index + m[0].length, suggestion: p.suggestion });
    }
  }
  const people = nameFinder(names);
  if (people) {
    for (const [start, end] of people(text)) {
      const match = text.slice(start, end);
      found.push({ kind: 'name', phrase: match, match, start, end, suggestion: NAME_SUGGESTION });
    }
  }
  // one finding per stretch of text: a phrase inside another's match ("should have blamed") keeps both,
  // but the same span found twice (a name that is also a phrase) is reported once
  const seen = new Set<string>();
  return found
    .sort((a, b) => a.start - b.start || b.end - a.end)
    .filter((f) => {
      const k = `${f.start}:${f.end}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

/** Checks several named texts (a postmortem's sections): each finding carries its field. */
export function checkBlamelessSections(sections: Record<string, string | null | undefined>, names: readonly string[] = []): BlamelessFinding[] {
  return Object.entries(sections).flatMap(([field, text]) => (text ? checkBlamelessLanguage(text, names).map((f) => ({ ...f, field })) : []));
}
