/**
 * Synthetic traffic for the shop services: shoppers browsing, searching, filling carts and
 * checking out, signing in and out — with the share of mistakes real clients make (unknown
 * products, wrong passwords, declined cards) so that every page of Ethos has something to show.
 */
import type { Role } from './roles.ts';

/** A running service to send traffic to. */
export interface LoadTarget {
  role: Role;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
}

/** Options of the load. */
export interface LoadOptions {
  /** Average scenarios started per second across all targets (each is one to four requests). */
  ratePerSecond: number;
  /** Most requests in flight at once; further scenarios wait for the next tick. */
  maxInFlight?: number;
  random?: () => number;
}

/** Running load: what it sent so far, and how to stop it. */
export interface Load {
  /** Requests sent, by answer status (`0` for no answer). */
  readonly statuses: Map<number, number>;
  /** Stops starting scenarios and waits for those in flight. */
  stop(): Promise<void>;
}

type Send = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<number>;
type Scenario = (send: Send, pick: Picker) => Promise<void>;

interface Picker {
  chance(p: number): boolean;
  int(lo: number, hi: number): number;
  one<T>(items: readonly T[]): T;
}

const WORDS = ['product', 'Product 1', 'lamp', 'Product 7', 'chair', 'Product 13', 'gift card', 'Product 2'];

/** What shoppers and other clients do with each role, with how often (weights). */
const SCENARIOS: Record<Role, [number, Scenario][]> = {
  catalog: [
    [4, async (send) => void (await send('GET', '/products'))],
    // sku-13 has no price and fails; sku-99 does not exist
    [6, async (send, p) => void (await send('GET', `/products/${p.chance(0.02) ? 'sku-13' : p.chance(0.06) ? 'sku-99' : `sku-${p.int(1, 20)}`}`))],
    [3, async (send, p) => void (await send('GET', `/search?q=${encodeURIComponent(p.one(WORDS))}`))],
  ],
  checkout: [
    [
      5,
      async (send, p) => {
        const cart = `c-${p.int(1, 1_000_000)}`;
        for (let i = p.int(1, 3); i > 0; i--) await send('POST', `/cart/${cart}/items`, { sku: `sku-${p.one([1, 2, 3, 5, 8, 12, 14, 20])}`, qty: p.int(1, 3) });
        if (p.chance(0.3)) await send('GET', `/cart/${cart}`);
        if (p.chance(0.7)) await send('POST', '/checkout', { cartId: cart, card: p.chance(0.08) ? '4000000000000002' : '4242424242424242' });
      },
    ],
    [1, async (send, p) => void (await send('POST', '/checkout', { cartId: `c-missing-${p.int(1, 100)}` }))],
    [1, async (send, p) => void (await send('GET', `/cart/c-${p.int(1, 1_000_000)}`))],
  ],
  payments: [
    [
      3,
      async (send, p) => {
        await send('POST', '/payments', { orderId: `ord-load-${p.int(1, 1e6)}`, amount: p.int(500, 25_000) / 100, card: p.chance(0.05) ? '4000000000000002' : '4242424242424242' });
      },
    ],
    [2, async (send, p) => void (await send('GET', `/payments/pay_${p.int(1, 60)}`))],
    [0.5, async (send, p) => void (await send('POST', `/payments/pay_${p.int(1, 40)}/refund`))],
  ],
  ledger: [
    [3, async (send, p) => void (await send('GET', `/accounts/${p.chance(0.05) ? 'marketing' : p.one(['sales', 'refunds'])}/balance`))],
    [2, async (send, p) => void (await send('POST', '/entries', { account: 'sales', amount: p.int(100, 9_999) / 100 }))],
  ],
  accounts: [
    [4, async (send, p) => void (await send('POST', '/sessions', { user: `u-${p.int(1, 500)}`, password: p.chance(0.1) ? 'correct battery' : 'correct horse' }))],
    [4, async (send, p) => void (await send('GET', `/users/u-${p.chance(0.05) ? p.int(501, 999) : p.int(1, 500)}`))],
  ],
  notifications: [[2, async (send, p) => void (await send('POST', '/notifications', { channel: p.chance(0.3) ? 'sms' : 'email', template: 'newsletter' }))]],
};

/** How much traffic each role gets relative to the others. */
const ROLE_WEIGHT: Record<Role, number> = { catalog: 5, checkout: 3, payments: 1, ledger: 1, accounts: 3, notifications: 1 };

function weighted<T>(items: readonly (readonly [number, T])[], random: () => number): T {
  const total = items.reduce((s, [w]) => s + w, 0);
  let r = random() * total;
  for (const [w, item] of items) if ((r -= w) < 0) return item;
  return items[items.length - 1]![1];
}

/**
 * Starts sending traffic to `targets` until `stop()`. The rate swells and ebbs over a few minutes
 * (±40 %) with an occasional burst, so charts have a shape.
 */
export function startLoad(targets: LoadTarget[], opts: LoadOptions): Load {
  const random = opts.random ?? Math.random;
  const maxInFlight = opts.maxInFlight ?? 64;
  const statuses = new Map<number, number>();
  const running = new Set<Promise<void>>();
  let inFlight = 0;
  let stopped = false;
  const pick: Picker = {
    chance: (p) => random() < p,
    int: (lo, hi) => lo + Math.floor(random() * (hi - lo + 1)),
    one: (items) => items[Math.floor(random() * items.length)]!,
  };
  const pool = targets.map((t) => [ROLE_WEIGHT[t.role], t] as const);

  function begin(target: LoadTarget): void {
    const send: Send = async (method, path, body) => {
      inFlight++;
      let status = 0;
      try {
        const res = await fetch(new URL(path, target.url), {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        // no answer (the service is restarting): counted as status 0
      } finally {
        inFlight--;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      return status;
    };
    const run = weighted(SCENARIOS[target.role], random)(send, pick).catch(() => undefined);
    running.add(run);
    void run.finally(() => running.delete(run));
  }

  const started = Date.now();
  const TICK_MS = 100;
  let carry = 0;
  const timer = setInterval(() => {
    if (stopped || !pool.length) return;
    const minutes = (Date.now() - started) / 60_000;
    const swell = 1 + 0.4 * Math.sin((2 * Math.PI * minutes) / 5);
    const burst = random() < 0.002 ? 8 : 1;
    carry += (opts.ratePerSecond * swell * burst * TICK_MS) / 1000;
    for (; carry >= 1; carry--) {
      if (inFlight >= maxInFlight) {
        carry = 0;
        break;
      }
      begin(weighted(pool, random));
    }
  }, TICK_MS);

  return {
    statuses,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...running]);
    },
  };
}
