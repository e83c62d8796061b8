import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases, openTestDatabase } from '../test-support.ts';
import { ManualClock } from './clock.ts';
import type { Db } from './db.ts';
import { createLeases } from './leases.ts';

describe.each(databases)('leases on %s', (dbKind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await openTestDatabase(dbKind));
  });
  afterAll(() => drop());

  it('one holder at a time; the other takes over once the lease expires, and the first cannot renew it then', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00.000Z');
    const a = createLeases({ db: db.kysely, clock, holder: 'a' });
    const b = createLeases({ db: db.kysely, clock, holder: 'b' });
    expect(await a.acquire('evaluator', 10_000)).toBe('2026-06-01T12:00:00.000Z');
    expect(await b.acquire('evaluator', 10_000)).toBeNull();
    // a renews; the expiry moves on, the time it was taken stays
    clock.advance(6_000);
    expect(await a.acquire('evaluator', 10_000)).toBe('2026-06-01T12:00:00.000Z');
    expect(await b.current('evaluator')).toEqual({ name: 'evaluator', holder: 'a', acquiredAt: '2026-06-01T12:00:00.000Z', expiresAt: '2026-06-01T12:00:16.000Z' });
    clock.advance(9_999);
    expect(await b.acquire('evaluator', 10_000)).toBeNull();
    clock.advance(1);
    expect(await b.acquire('evaluator', 10_000)).toBe('2026-06-01T12:00:16.000Z');
    expect(await a.acquire('evaluator', 10_000)).toBeNull();
    expect((await a.current('evaluator'))?.holder).toBe('b');
    // other names are other leases
    expect(await a.acquire('other', 10_000)).not.toBeNull();
  });

  it('a released lease is free at once; releasing one we do not hold changes nothing', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00.000Z');
    const a = createLeases({ db: db.kysely, clock, holder: 'a' });
    const b = createLeases({ db: db.kysely, clock, holder: 'b' });
    expect(await a.acquire('flush', 10_000)).not.toBeNull();
    await b.release('flush');
    expect((await b.current('flush'))?.holder).toBe('a');
    await a.release('flush');
    expect(await b.current('flush')).toBeNull();
    expect(await b.acquire('flush', 10_000)).not.toBeNull();
  });

  it('two processes racing for a free lease: exactly one wins', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00.000Z');
    const holders = ['p1', 'p2', 'p3', 'p4'].map((holder) => createLeases({ db: db.kysely, clock, holder }));
    const won = await Promise.all(holders.map((h) => h.acquire('race', 10_000)));
    expect(won.filter((w) => w !== null)).toHaveLength(1);
  });

  it('a process renews its lease every third of the TTL, trusts it no longer than two thirds, and counts terms', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00.000Z');
    const a = createLeases({ db: db.kysely, clock, holder: 'a' }).lease('work', { ttlMs: 15_000, retryMs: 1_000 });
    const b = createLeases({ db: db.kysely, clock, holder: 'b' }).lease('work', { ttlMs: 15_000, retryMs: 1_000 });
    expect(await a.ensure()).toBe(true);
    expect(a.term).toBe(1);
    expect(await b.ensure()).toBe(false);
    expect(b.held()).toBe(false);

    // a keeps renewing: b never gets it
    for (let i = 0; i < 6; i++) {
      clock.advance(5_000);
      expect(await a.ensure()).toBe(true);
      expect(await b.ensure()).toBe(false);
    }
    expect(a.term).toBe(1);

    // a stalls: it stops trusting the lease after 10 s, b takes it after 15 s
    clock.advance(10_000);
    expect(a.held()).toBe(false);
    clock.advance(4_999);
    expect(await b.ensure()).toBe(false);
    clock.advance(1_001);
    expect(await b.ensure()).toBe(true);
    expect(b.term).toBe(1);
    expect(await a.ensure()).toBe(false);

    // b shuts down cleanly: a takes over at its next try, in a new term; b does not take it again
    await b.release();
    expect(b.held()).toBe(false);
    clock.advance(1_000);
    expect(await b.ensure()).toBe(false);
    expect(await a.ensure()).toBe(true);
    expect(a.term).toBe(2);
    clock.advance(60_000);
    expect(await b.ensure()).toBe(false);

    // a stalls past its own trust but nobody took the lease meanwhile: still the same term
    expect(await a.ensure()).toBe(true);
    expect(a.term).toBe(2);
  });

  it('workers asking at once share one round trip', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00.000Z');
    const lease = createLeases({ db: db.kysely, clock, holder: 'a' }).lease('shared');
    const answers = await Promise.all([lease.ensure(), lease.ensure(), lease.ensure()]);
    expect(answers).toEqual([true, true, true]);
    expect(lease.term).toBe(1);
  });
});
