/**
 * What each role of the shop does: its routes and their business logic, with the mistakes that
 * real services make (a product without a price, a float amount the ledger refuses, a flaky
 * provider). The instrumentation is in shop.ts; handlers only add logs and business metrics.
 */
import { randomUUID } from 'node:crypto';
import type { Attributes, Meter } from '@opentelemetry/api';

/** The parts a shop service can play. */
export const ROLES = ['catalog', 'checkout', 'payments', 'ledger', 'accounts', 'notifications'] as const;
export type Role = (typeof ROLES)[number];

/** An answer a handler gives on purpose (a client's mistake, a throttled provider): never an exception. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The shop's own failures; their class names become the exception groups' types. */
export class ReservationError extends Error {
  override name = 'ReservationError';
}
export class ProcessorTimeoutError extends Error {
  override name = 'ProcessorTimeoutError';
  readonly status = 504;
}
export class DatabaseError extends Error {
  override name = 'DatabaseError';
}
export class SmtpError extends Error {
  override name = 'SmtpError';
}
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly status = 502;
}

/** One request as a handler sees it. */
export interface HandlerRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

/** A handler's answer. */
export interface Reply {
  status?: number;
  body: unknown;
}

/** One route of a role. */
export interface Route {
  method: 'GET' | 'POST';
  /** The route template, e.g. `/products/:id`: the span's `http.route`. */
  path: string;
  handle(req: HandlerRequest): Promise<Reply>;
}

/** What handlers use: simulated work, calls to other services, logs and metrics. */
export interface Kit {
  /** Waits as real work would: around `typicalMs`, with a long tail. */
  work(typicalMs: number): Promise<void>;
  /** Calls another shop service; when its address is not configured, the call is simulated. */
  call(target: Role, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  log(severity: 'debug' | 'info' | 'warn' | 'error', body: string, attributes?: Attributes): void;
  /** Adds to a counter, created on first use. */
  count(name: string, attributes?: Attributes, description?: string): void;
  meter: Meter;
  chance(p: number): boolean;
}

interface Money {
  amount: number;
  currency: string;
}
interface Product {
  sku: string;
  name: string;
  price?: Money;
  stock: number;
}

/** The catalog: sku-13 lost its price in a bad import, and showing it fails. */
export const PRODUCTS: Product[] = Array.from({ length: 20 }, (_, i) => {
  const sku = `sku-${i + 1}`;
  return { sku, name: `Product ${i + 1}`, price: sku === 'sku-13' ? undefined : { amount: 4.99 + i * 2.5, currency: 'USD' }, stock: (i * 37) % 50 };
});

const WAREHOUSES = ['eu-1', 'eu-2', 'us-1'];

function formatPrice(price: Money): string {
  return `${price.amount.toFixed(2)} ${price.currency}`;
}

/** Two decimals exactly, or the ledger refuses the amount. */
function toCents(amount: number): number {
  const cents = amount * 100;
  if (Math.abs(cents - Math.round(cents)) > 1e-9) throw new RangeError(`amount ${amount} has more than two decimals`);
  return Math.round(cents);
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

/** The routes of each role. */
export function routesOf(role: Role, kit: Kit): Route[] {
  const { work, call, log, count, chance } = kit;
  switch (role) {
    case 'catalog': {
      const views = kit.meter.createCounter('shop.product.views', { description: 'product pages shown' });
      kit.meter
        .createObservableGauge('shop.inventory.units', { description: 'units in stock per warehouse', unit: '{unit}' })
        .addCallback((r) => {
          WAREHOUSES.forEach((warehouse, w) => {
            const held = PRODUCTS.filter((_, i) => i % WAREHOUSES.length === w);
            for (const p of held) if (p.stock < 5) p.stock += 40; // the night's delivery
            r.observe(held.reduce((n, p) => n + p.stock, 0), { warehouse });
          });
        });
      return [
        { method: 'GET', path: '/products', handle: async () => (await work(15), { body: { items: PRODUCTS.map((p) => p.sku) } }) },
        {
          method: 'GET',
          path: '/products/:id',
          handle: async ({ params }) => {
            await work(20);
            const p = PRODUCTS.find((x) => x.sku === params.id);
            if (!p) throw new HttpError(404, `no product ${params.id}`);
            // a product without a price throws here: the bug this demo keeps around
            const page = { sku: p.sku, name: p.name, price: formatPrice(p.price!), inStock: p.stock > 0 };
            views.add(1, { sku: p.sku });
            if (chance(0.3) && p.stock > 0) p.stock--;
            return { body: page };
          },
        },
        {
          method: 'GET',
          path: '/search',
          handle: async ({ query }) => {
            const q = query.get('q') ?? '';
            await work(40 + q.length * 8);
            const items = PRODUCTS.filter((p) => p.name.toLowerCase().includes(q.toLowerCase())).map((p) => p.sku);
            count('shop.search.queries', { results: items.length ? 'some' : 'none' }, 'searches, by whether they found anything');
            if (!items.length) log('info', `search for "${q}" found nothing`, { 'search.query': q });
            return { body: { items } };
          },
        },
      ];
    }
    case 'checkout': {
      const carts = new Map<string, { sku: string; qty: number }[]>();
      const orderValue = kit.meter.createHistogram('shop.order.value', { description: 'value of placed orders', unit: 'USD', advice: { explicitBucketBoundaries: [5, 10, 25, 50, 100, 250, 500] } });
      kit.meter
        .createObservableGauge('shop.carts.open', { description: 'carts with items not checked out' })
        .addCallback((r) => r.observe(carts.size));
      let orders = 0;
      return [
        {
          method: 'GET',
          path: '/cart/:cartId',
          handle: async ({ params }) => {
            await work(8);
            const cart = carts.get(params.cartId!);
            if (!cart) throw new HttpError(404, `no cart ${params.cartId}`);
            return { body: { items: cart } };
          },
        },
        {
          method: 'POST',
          path: '/cart/:cartId/items',
          handle: async ({ params, body }) => {
            await work(12);
            const qty = Number(body.qty ?? 1);
            const sku = str(body.sku);
            if (!PRODUCTS.some((p) => p.sku === sku) || !Number.isInteger(qty) || qty < 1) throw new HttpError(400, `cannot add ${qty} × "${sku}"`);
            const cart = carts.get(params.cartId!) ?? [];
            cart.push({ sku, qty });
            carts.set(params.cartId!, cart);
            count('shop.cart.additions', {}, 'items added to carts');
            return { status: 201, body: { items: cart.length } };
          },
        },
        {
          method: 'POST',
          path: '/checkout',
          handle: async ({ body }) => {
            const cartId = str(body.cartId);
            const cart = carts.get(cartId);
            if (!cart?.length) throw new HttpError(400, `cart "${cartId}" is empty`);
            await work(25);
            if (chance(0.02)) throw new ReservationError(`warehouse eu-2 did not confirm the reservation of ${cart[0]!.sku} within 2000 ms`);
            const total = Math.round(cart.reduce((sum, i) => sum + (PRODUCTS.find((p) => p.sku === i.sku)?.price?.amount ?? 0) * i.qty, 0) * 100) / 100;
            const orderId = `ord-${process.pid}-${++orders}`;
            const payment = await call('payments', 'POST', '/payments', { orderId, amount: total, card: str(body.card, '4242424242424242') });
            if (payment.status === 402) {
              count('shop.orders', { outcome: 'declined' }, 'checkouts, by outcome');
              log('warn', `order ${orderId}: payment declined`, { 'order.id': orderId, 'order.total': total });
              throw new HttpError(402, 'the card was declined');
            }
            if (payment.status >= 400) {
              count('shop.orders', { outcome: 'failed' });
              throw new UpstreamError(`payments answered ${payment.status} for order ${orderId}`);
            }
            carts.delete(cartId);
            count('shop.orders', { outcome: 'placed' });
            orderValue.record(total);
            log('info', `order ${orderId} placed: ${cart.length} items, ${total.toFixed(2)} USD`, { 'order.id': orderId, 'order.total': total, 'order.items': cart.length });
            // the order stands even when its confirmation cannot be sent
            const sent = await call('notifications', 'POST', '/notifications', { channel: 'email', template: 'order-confirmation', orderId }).catch((err: Error) => ({ status: 0, error: err.message }));
            if (sent.status === 0 || sent.status >= 400) log('warn', `order ${orderId}: the confirmation email was not sent`, { 'order.id': orderId, 'http.response.status_code': sent.status });
            return { status: 201, body: { orderId, total, payment: payment.body.id ?? null } };
          },
        },
      ];
    }
    case 'payments': {
      const payments = new Map<string, { orderId: string; amount: number; refunded: boolean }>();
      kit.meter
        .createObservableGauge('payments.acquirer.connections', { description: 'open connections to the card acquirer' })
        .addCallback((r) => r.observe(4 + (payments.size % 5)));
      return [
        {
          method: 'POST',
          path: '/payments',
          handle: async ({ body }) => {
            await work(90);
            const amount = Number(body.amount);
            const card = str(body.card);
            if (!Number.isFinite(amount) || amount <= 0) throw new HttpError(400, 'amount must be a positive number');
            if (card.endsWith('0002')) {
              count('payments.authorizations', { result: 'declined' }, 'card authorizations, by result');
              log('warn', `authorization declined for order ${str(body.orderId)}`, { 'order.id': str(body.orderId), 'card.last4': card.slice(-4) });
              throw new HttpError(402, 'declined by the issuer');
            }
            if (chance(0.015)) throw new ProcessorTimeoutError('acquirer did not answer within 3000 ms');
            const id = `pay_${payments.size + 1}`;
            payments.set(id, { orderId: str(body.orderId), amount, refunded: false });
            const entry = await call('ledger', 'POST', '/entries', { account: 'sales', amount });
            if (entry.status >= 400) throw new UpstreamError(`the ledger answered ${entry.status} for payment ${id}`);
            count('payments.authorizations', { result: 'approved' });
            log('info', `payment ${id} authorized: ${amount.toFixed(2)} USD`, { 'payment.id': id, 'order.id': str(body.orderId) });
            return { status: 201, body: { id, status: 'authorized' } };
          },
        },
        {
          method: 'GET',
          path: '/payments/:id',
          handle: async ({ params }) => {
            await work(10);
            const p = payments.get(params.id!);
            if (!p) throw new HttpError(404, `no payment ${params.id}`);
            return { body: p };
          },
        },
        {
          method: 'POST',
          path: '/payments/:id/refund',
          handle: async ({ params }) => {
            await work(60);
            const p = payments.get(params.id!);
            if (!p) throw new HttpError(404, `no payment ${params.id}`);
            if (p.refunded) throw new HttpError(409, `payment ${params.id} was already refunded`);
            // a partial refund of 10 %, not rounded to cents: the ledger refuses most of them
            const entry = await call('ledger', 'POST', '/entries', { account: 'refunds', amount: p.amount * 0.1 });
            if (entry.status >= 400) throw new UpstreamError(`the ledger answered ${entry.status} for the refund of ${params.id}`);
            p.refunded = true;
            count('payments.refunds', {}, 'refunds made');
            log('info', `payment ${params.id} refunded`, { 'payment.id': params.id! });
            return { body: { id: params.id, status: 'refunded' } };
          },
        },
      ];
    }
    case 'ledger': {
      const balances = new Map<string, number>([
        ['sales', 0],
        ['refunds', 0],
      ]);
      let pending = 0;
      kit.meter
        .createObservableGauge('ledger.entries.pending', { description: 'entries waiting to be settled' })
        .addCallback((r) => r.observe(pending));
      return [
        {
          method: 'POST',
          path: '/entries',
          handle: async ({ body }) => {
            const account = str(body.account);
            if (!balances.has(account)) throw new HttpError(404, `no account "${account}"`);
            pending++;
            try {
              await work(30);
              const cents = toCents(Number(body.amount));
              balances.set(account, balances.get(account)! + cents);
              count('ledger.entries', { account }, 'entries posted');
              log('info', `posted ${cents} cents to ${account}`, { 'ledger.account': account });
              return { status: 201, body: { account, balanceCents: balances.get(account) } };
            } finally {
              pending--;
            }
          },
        },
        {
          method: 'GET',
          path: '/accounts/:account/balance',
          handle: async ({ params }) => {
            await work(6);
            const b = balances.get(params.account!);
            if (b === undefined) throw new HttpError(404, `no account "${params.account}"`);
            return { body: { account: params.account, balanceCents: b } };
          },
        },
      ];
    }
    case 'accounts': {
      const signIns = kit.meter.createCounter('accounts.sign_ins', { description: 'sign-in attempts, by result' });
      return [
        {
          method: 'POST',
          path: '/sessions',
          handle: async ({ body }) => {
            await work(55);
            const user = str(body.user, 'anonymous');
            if (chance(0.005)) throw new DatabaseError('connection terminated unexpectedly (pool: 10 of 10 in use)');
            if (body.password !== 'correct horse') {
              signIns.add(1, { result: 'rejected' });
              log('warn', `sign-in rejected for ${user}`, { 'user.name': user });
              throw new HttpError(401, 'wrong user name or password');
            }
            signIns.add(1, { result: 'accepted' });
            log('info', `${user} signed in`, { 'user.name': user });
            return { status: 201, body: { session: randomUUID() } };
          },
        },
        {
          method: 'GET',
          path: '/users/:id',
          handle: async ({ params }) => {
            await work(9);
            const n = Number(/^u-(\d+)$/.exec(params.id!)?.[1]);
            if (!(n >= 1 && n <= 500)) throw new HttpError(404, `no user ${params.id}`);
            return { body: { id: params.id, name: `User ${n}` } };
          },
        },
      ];
    }
    case 'notifications': {
      let queued = 0;
      kit.meter
        .createObservableGauge('notifications.queue.depth', { description: 'messages waiting for their provider' })
        .addCallback((r) => r.observe(queued));
      return [
        {
          method: 'POST',
          path: '/notifications',
          handle: async ({ body }) => {
            const channel = str(body.channel, 'email');
            queued++;
            try {
              await work(channel === 'sms' ? 150 : 70);
              if (channel === 'sms' && chance(0.05)) {
                log('warn', 'the SMS provider is throttling: try again later', { channel });
                throw new HttpError(503, 'SMS provider unavailable');
              }
              if (channel === 'email' && chance(0.01)) throw new SmtpError('421 4.7.0 try again later, closing connection');
              count('notifications.sent', { channel }, 'messages handed to a provider');
              log('info', `${channel} "${str(body.template, 'message')}" handed to the provider`, { channel });
              return { status: 202, body: { queued: true } };
            } finally {
              queued--;
            }
          },
        },
      ];
    }
  }
}
