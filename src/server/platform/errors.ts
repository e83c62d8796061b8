import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** HTTP status for each stable error code. Codes are part of the API: never rename one. */
const STATUS: Record<string, number> = {
  VALIDATION_FAILED: 400,
  BAD_JSON: 400,
  RESOURCE_INVALID: 400,
  OTLP_BAD_PAYLOAD: 400,
  RESOURCE_KIND_UNKNOWN: 400,
  RESOURCE_OWNER_UNKNOWN: 400,
  USER_UNKNOWN: 400,
  EXCEPTION_RULES_SERVICE_UNKNOWN: 400,
  ALERT_RULE_SERVICE_UNKNOWN: 400,
  INCIDENT_SERVICE_UNKNOWN: 400,
  INCIDENT_INVALID: 400,
  POSTMORTEM_INVALID: 400,
  POSTMORTEM_TEAM_UNKNOWN: 400,
  POSTMORTEM_INCIDENT_UNKNOWN: 400,
  ACTION_ITEM_TEAM_UNKNOWN: 400,
  SLO_SERVICE_UNKNOWN: 400,
  SURVEY_TARGET_UNKNOWN: 400,
  SURVEY_ROUND_INVALID: 400,
  SURVEY_ANSWERS_INVALID: 400,
  CHANGE_REQUEST_INVALID: 400,
  PASSWORD_INVALID: 400,
  AUTH_REQUIRED: 401,
  AUTH_FAILED: 401,
  AUTH_CSRF: 403,
  AUTH_PASSWORD_CHANGE_REQUIRED: 403,
  AUTH_SCOPE: 403,
  FORBIDDEN: 403,
  NOT_OWNER: 403,
  EXCEPTION_RULES_NOT_SERVICE_OWNER: 403,
  ALERT_RULE_NOT_SERVICE_OWNER: 403,
  SLO_NOT_SERVICE_OWNER: 403,
  POSTMORTEM_NOT_OWNER: 403,
  ACTION_ITEM_NOT_OWNER: 403,
  SURVEY_RESULTS_FORBIDDEN: 403,
  NOT_FOUND: 404,
  RESOURCE_NOT_FOUND: 404,
  REVISION_NOT_FOUND: 404,
  CHANGE_REQUEST_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  TELEMETRY_METRIC_NOT_FOUND: 404,
  SLO_METRIC_NOT_FOUND: 404,
  TELEMETRY_TRACE_NOT_FOUND: 404,
  TELEMETRY_EXCEPTION_NOT_FOUND: 404,
  SURVEY_NOT_FOUND: 404,
  SURVEY_ROUND_NOT_FOUND: 404,
  SURVEY_CODE_UNKNOWN: 404,
  RESOURCE_EXISTS: 409,
  USER_EXISTS: 409,
  TEAM_NOT_EMPTY: 409,
  CHANGE_REQUEST_STALE: 409,
  CHANGE_REQUEST_CLOSED: 409,
  CHANGE_REQUEST_NOT_APPROVED: 409,
  CHANGE_REQUEST_UNCHANGED: 409,
  ALERT_RULE_QUOTA_EXCEEDED: 409,
  ALERTING_DELIVERY_NOT_RETRYABLE: 409,
  SURVEY_ROUND_ACTIVE: 409,
  SURVEY_ROUND_NOT_OPEN: 409,
  SURVEY_ALREADY_ANSWERED: 409,
  SURVEY_RESULTS_NOT_READY: 409,
  SURVEY_ANONYMITY_LOCKED: 409,
  SURVEY_NAME_TAKEN: 409,
  SURVEY_REMINDED_RECENTLY: 429,
  ALERT_NOT_FOUND: 404,
  INCIDENT_NOT_FOUND: 404,
  POSTMORTEM_NOT_FOUND: 404,
  ACTION_ITEM_NOT_FOUND: 404,
  POSTMORTEM_EXISTS: 409,
  POSTMORTEM_STALE: 409,
  RESOURCE_CONFLICT: 412,
  REQUEST_TOO_LARGE: 413,
  TELEMETRY_QUERY_TOO_LARGE: 422,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TELEMETRY_OVERLOADED: 503,
  UNAVAILABLE: 503,
};

/** The one error type of Ethos: a stable code, a message a person can act on, optional details. */
export class AppError extends Error {
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;
  constructor(code: string, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
  get status(): number {
    return STATUS[this.code] ?? 400;
  }
}

/** Maps every error to `{"error": {code, message, details}}`; never leaks internals on a 500. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      void reply.status(err.status).headers(err.headers).send({ error: { code: err.code, message: err.message, details: err.details } });
      return;
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message }));
      const first = issues[0];
      void reply.status(400).send({
        error: {
          code: 'VALIDATION_FAILED',
          message: `invalid ${err.validationContext ?? 'request'}${first ? `: ${first.path} ${first.message}` : ''}`,
          details: { issues },
        },
      });
      return;
    }
    const fe = err as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      void reply.status(413).send({ error: { code: 'REQUEST_TOO_LARGE', message: 'the request body is larger than the server accepts' } });
      return;
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      void reply.status(415).send({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/json' } });
      return;
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) {
      void reply.status(400).send({ error: { code: 'BAD_JSON', message: `the body is not valid JSON: ${err.message}` } });
      return;
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      void reply.status(fe.statusCode).send({ error: { code: 'BAD_REQUEST', message: err.message } });
      return;
    }
    request.log.error({ err }, 'unhandled error');
    void reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error; the server log has the details' } });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
