/** A problem with one field, as the API lists them in `details.issues`. */
export interface ApiIssue {
  path: string;
  message: string;
}

/**
 * An error answer of the Ethos API, `{"error": {code, message, details}}`, as the web UI and the
 * CLI throw it. The web UI also uses status 0 for a network failure.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Field problems the server listed (`details.issues`), if any. */
  get issues(): ApiIssue[] {
    const issues = (this.details as { issues?: unknown } | undefined)?.issues;
    return Array.isArray(issues) ? (issues as ApiIssue[]) : [];
  }
}
