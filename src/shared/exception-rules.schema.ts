import { z } from 'zod';

/** The kind that holds a service's exception fingerprint rules. */
export const EXCEPTION_RULES_KIND = 'ExceptionRules';

/** Text a pattern is matched against is cut at this length (bounds the work per occurrence). */
export const MATCHED_TEXT_LIMIT = 1000;

const IGNORE_CASE = '(?i)';

/**
 * A matcher's regular expression: JavaScript syntax, found anywhere in the text (anchor with `^`
 * and `$`), case-sensitive unless it starts with `(?i)`. Throws SyntaxError when it is not one.
 */
export function compilePattern(pattern: string): RegExp {
  return pattern.startsWith(IGNORE_CASE) ? new RegExp(pattern.slice(IGNORE_CASE.length), 'i') : new RegExp(pattern);
}

/** Reads a quantifier at `i`: its end, and whether it repeats (more than once). */
function quantifierAt(source: string, i: number): { end: number; repeats: boolean } | null {
  const c = source[i];
  let end: number;
  let repeats: boolean;
  if (c === '*' || c === '+') {
    end = i + 1;
    repeats = true;
  } else if (c === '?') {
    end = i + 1;
    repeats = false;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (!m) return null;
    end = i + m[0].length;
    repeats = m[2] === undefined ? Number(m[1]) > 1 : m[3] === '' || Number(m[3]) > 1;
  } else return null;
  if (source[end] === '?') end++;
  return { end, repeats };
}

/**
 * Why a pattern could take exponential time on some text, or null. Ingest runs every rule of a
 * service on each of its exceptions, so a repeated group may not contain a repetition or an
 * alternative (`(a+)+`, `(\w|\d)*`): the classic shapes of catastrophic backtracking.
 */
export function backtrackingHazard(pattern: string): string | null {
  const source = pattern.startsWith(IGNORE_CASE) ? pattern.slice(IGNORE_CASE.length) : pattern;
  // one entry per open group: whether it holds a repetition or an alternative so far
  const groups: boolean[] = [false];
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    let risky = false;
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (c === '(') {
      groups.push(false);
      // (?:, (?=, (?!, (?<=, (?<!, (?<name>: the ? is not a quantifier
      if (source[i + 1] === '?') {
        const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(source.slice(i + 1));
        if (m) i += m[0].length;
      }
      continue;
    } else if (c === ')') {
      risky = groups.length > 1 ? groups.pop()! : false;
    } else if (c === '|') {
      groups[groups.length - 1] = true;
      continue;
    }
    const q = quantifierAt(source, i + 1);
    if (q?.repeats && risky) return 'a repeated group may not contain another repetition or an alternative (such as (a+)+ or (a|b)*): such patterns can take exponential time; use a character class ([ab]*) or drop the outer repetition';
    if (q) i = q.end - 1;
    if (risky || q?.repeats) groups[groups.length - 1] = true;
  }
  return null;
}

const patternSchema = z
  .string()
  .min(1)
  .max(500)
  .superRefine((pattern, ctx) => {
    try {
      compilePattern(pattern);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
      return;
    }
    const hazard = backtrackingHazard(pattern);
    if (hazard) ctx.addIssue({ code: 'custom', message: hazard });
  })
  .describe('a regular expression (JavaScript syntax) searched anywhere in the text; anchor it with ^ and $; start it with (?i) to ignore case');

/** What a rule looks at: every matcher given must match. */
export const exceptionMatchSchema = z
  .object({
    type: patternSchema.optional().describe('regular expression for the exception type, e.g. ^TimeoutError$'),
    message: patternSchema.optional().describe('regular expression for the exception message (its first 1,000 characters), e.g. (?i)timed out'),
    function: patternSchema.optional().describe("regular expression for a function of the service's own (in-app) stack frames; Java and Go functions include their package"),
    file: patternSchema.optional().describe("regular expression for a file of the service's own (in-app) stack frames; with function, one frame must match both"),
  })
  .strict()
  .refine((m) => m.type !== undefined || m.message !== undefined || m.function !== undefined || m.file !== undefined, { message: 'give at least one matcher: type, message, function or file' });

/** One fingerprint rule: matchers and the group (the custom fingerprint) what they match goes to. */
export const exceptionRuleSchema = z
  .object({
    match: exceptionMatchSchema,
    group: z
      .string()
      .min(1)
      .max(100)
      .regex(/^\S(.*\S)?$/, 'no spaces at the start or end')
      .describe("the custom fingerprint: every matching exception of the service goes to this one group"),
    title: z.string().min(1).max(200).optional().describe("the group's title in lists and pages (default: the exception's type and message)"),
  })
  .strict();

/** ExceptionRules spec: ordered fingerprint rules of one service; the first that matches wins. */
export const exceptionRulesSpecSchema = z
  .object({
    rules: z.array(exceptionRuleSchema).max(100).default([]).describe('in order: the first rule that matches decides; no match keeps the built-in fingerprint'),
  })
  .strict();

export type ExceptionRule = z.infer<typeof exceptionRuleSchema>;
export type ExceptionRulesSpec = z.infer<typeof exceptionRulesSpecSchema>;
