/*
 * How an alert condition compares a value with its threshold: one definition for the server's
 * evaluator and the rule editor's preview, so the preview shades exactly where a rule fires.
 * Zod-free, so the web can import it without the schema library.
 */

/** Whether `v op threshold` holds (`op` one of > >= < <= == !=). */
export function breaches(v: number, op: string, threshold: number): boolean {
  switch (op) {
    case '>':
      return v > threshold;
    case '>=':
      return v >= threshold;
    case '<':
      return v < threshold;
    case '<=':
      return v <= threshold;
    case '==':
      return v === threshold;
    default:
      return v !== threshold;
  }
}
