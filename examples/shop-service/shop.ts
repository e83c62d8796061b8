/**
 * A small web shop's HTTP services, instrumented by hand with the OpenTelemetry API.
 *
 * One program plays one of several roles (catalog, checkout, payments, ledger, accounts,
 * notifications), so that a few processes make a believable system: checkout calls payments,
 * which calls the ledger, and the W3C `traceparent` header joins their spans into one trace.
 *
 * Every request gets a SERVER span named `<method> <route>` with `http.route` and
 * `http.response.status_code` (from which Ethos derives request rate, errors and latency per
 * route), a point in the `http.server.request.duration` histogram, and, when a handler fails, the
 * exception both on the span and as an error log record carrying the trace context.
 */
import http from 'node:http';
import { context, metrics, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Meter } from '@opentelemetry/api';
import { logs, SeverityNumber, type Logger } from '@opentelemetry/api-logs';
import { HttpError, routesOf, UpstreamError, type Kit, type Role } from './roles.ts';

/** Options of a shop service. */
export interface ShopOptions {
  role: Role;
  /** Base URLs of the other services this one calls (`http://host:port`). */
  upstreams?: Partial<Record<Role, string>>;
  /** Multiplies every simulated duration (tests use 0.1). */
  latencyScale?: number;
  random?: () => number;
}

const SEVERITY = {
  debug: [SeverityNumber.DEBUG, 'DEBUG'],
  info: [SeverityNumber.INFO, 'INFO'],
  warn: [SeverityNumber.WARN, 'WARN'],
  error: [SeverityNumber.ERROR, 'ERROR'],
} as const;

function compile(path: string): RegExp {
  return new RegExp(`^${path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  if (!chunks.length) return {};
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

/** A normal draw by Box-Muller. */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Creates the HTTP server of one role. Start the OpenTelemetry SDK first (telemetry.ts): the
 * instruments are created here, from the globally registered providers.
 */
export function createShopServer(opts: ShopOptions): http.Server {
  const random = opts.random ?? Math.random;
  const scale = opts.latencyScale ?? 1;
  const tracer = trace.getTracer('shop-service', '1.0.0');
  const meter = metrics.getMeter('shop-service', '1.0.0');
  const logger: Logger = logs.getLogger('shop-service', '1.0.0');

  const duration = meter.createHistogram('http.server.request.duration', {
    description: 'duration of HTTP server requests',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
  });
  const active = meter.createUpDownCounter('http.server.active_requests', { description: 'requests being handled', unit: '{request}' });
  meter
    .createObservableGauge('v8js.memory.heap.used', { description: 'V8 heap in use', unit: 'By' })
    .addCallback((r) => r.observe(process.memoryUsage().heapUsed));
  const counters = new Map<string, ReturnType<Meter['createCounter']>>();

  const log: Kit['log'] = (severity, body, attributes = {}) => {
    const [severityNumber, severityText] = SEVERITY[severity];
    // the active context carries the span: the SDK puts its trace and span ids on the record
    logger.emit({ severityNumber, severityText, body, attributes, context: context.active() });
  };

  const kit: Kit = {
    meter,
    chance: (p) => random() < p,
    log,
    work: (typicalMs) => {
      // log-normal around the typical duration, and one request in a hundred ten times slower
      let ms = typicalMs * Math.exp(0.45 * gaussian(random));
      if (random() < 0.01) ms *= 10;
      return new Promise((resolve) => setTimeout(resolve, ms * scale));
    },
    count: (name, attributes = {}, description) => {
      let c = counters.get(name);
      if (!c) counters.set(name, (c = meter.createCounter(name, { description })));
      c.add(1, attributes);
    },
    call: (target, method, path, body) =>
      tracer.startActiveSpan(`${method} ${path.replace(/\/[a-z]+_\d+/g, '/:id')}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'peer.service': target } }, async (span) => {
        try {
          const base = opts.upstreams?.[target];
          if (!base) {
            // no address for it: pretend, so one service runs alone
            await kit.work(30);
            span.setAttribute('shop.simulated', true);
            return { status: 200, body: {} };
          }
          const url = new URL(path, base);
          span.setAttributes({ 'url.full': url.href, 'server.address': url.hostname, 'server.port': Number(url.port) });
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          propagation.inject(context.active(), headers);
          let res: Response;
          try {
            res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5000) });
          } catch (err) {
            throw new UpstreamError(`${target} did not answer: ${(err as Error).message}`);
          }
          span.setAttribute('http.response.status_code', res.status);
          if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          const text = await res.text();
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            // not JSON: keep the status only
          }
          return { status: res.status, body: parsed };
        } catch (err) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          span.end();
        }
      }),
  };

  const routes = routesOf(opts.role, kit).map((r) => ({ ...r, pattern: compile(r.path) }));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    const method = req.method ?? 'GET';
    let params: Record<string, string> = {};
    const route = routes.find((r) => {
      if (r.method !== method) return false;
      const m = r.pattern.exec(url.pathname);
      if (m) params = { ...m.groups };
      return !!m;
    });
    const parent = propagation.extract(context.active(), req.headers);
    const attributes: Attributes = { 'http.request.method': method, 'url.path': url.pathname, 'url.scheme': 'http' };
    if (route) attributes['http.route'] = route.path;
    const span = tracer.startSpan(route ? `${method} ${route.path}` : method, { kind: SpanKind.SERVER, attributes }, parent);
    const labels: Attributes = { 'http.request.method': method, ...(route ? { 'http.route': route.path } : {}) };
    active.add(1, labels);

    let status = 200;
    let answer: unknown;
    await context.with(trace.setSpan(parent, span), async () => {
      try {
        if (!route) throw new HttpError(404, `no route for ${method} ${url.pathname}`);
        const reply = await route.handle({ params, query: url.searchParams, body: method === 'POST' ? await readJson(req) : {} });
        status = reply.status ?? 200;
        answer = reply.body;
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        const given = (e as Error & { status?: unknown }).status;
        status = typeof given === 'number' ? given : 500;
        answer = { error: e.message };
        // a server error fails the span (and counts in Ethos's error rate); a client's mistake does not
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        if (!(e instanceof HttpError)) {
          // an exception, not an answer chosen on purpose: on the span (an "exception" event) and as
          // an error log record, which carries the trace context
          span.recordException(e);
          log('error', `${method} ${route?.path ?? url.pathname} failed: ${e.message}`, {
            'exception.type': e.name,
            'exception.message': e.message,
            'exception.stacktrace': e.stack ?? '',
            'http.route': route?.path ?? '',
          });
        }
      }
    });

    span.setAttribute('http.response.status_code', status);
    span.end();
    active.add(-1, labels);
    duration.record((performance.now() - started) / 1000, { ...labels, 'http.response.status_code': status });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer ?? null));
  }

  return http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
}
