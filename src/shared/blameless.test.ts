import { describe, expect, it } from 'vitest';
import { checkBlamelessLanguage, checkBlamelessSections } from './blameless.ts';

const phrases = (text: string, names: string[] = []) => checkBlamelessLanguage(text, names).map((f) => f.phrase);

describe('the blameless language check', () => {
  it.each([
    ['The outage was caused by human error.', 'human error'],
    ['An operator error deleted the volume.', 'human error'],
    ['The on-call engineer should have checked the graph.', 'should have'],
    ["We should've rolled back sooner.", 'should have'],
    ['They shouldn’t have deployed on Friday.', 'should have'],
    ['A careless change removed the limit.', 'careless'],
    ['The deploy was done carelessly.', 'careless'],
    ['The reviewer failed to notice the typo.', 'failed to'],
    ['It was the database team’s fault.', 'fault'],
    ['Nobody was at fault.', 'fault'],
    ['A negligent rollout.', 'negligent'],
    ['Negligence on the release train.', 'negligent'],
    ['We blame the vendor.', 'blame'],
    ['The config was blamed for it.', 'blame'],
    ['A mistake by the release manager.', 'mistake by'],
    ['It was his mistake.', 'mistake by'],
    ["He didn't bother to run the tests.", "didn't bother"],
    ['She did not bother with the checklist.', "didn't bother"],
    ['Someone forgot to renew the certificate.', 'forgot to'],
    ['That was a lazy fix.', 'incompetent'],
  ])('flags “%s” as %s, with a suggestion about the system', (text, phrase) => {
    const found = checkBlamelessLanguage(text);
    expect(found.map((f) => f.phrase)).toEqual([phrase]);
    expect(found[0]!.suggestion.length).toBeGreaterThan(20);
    expect(text.slice(found[0]!.start, found[0]!.end)).toBe(found[0]!.match);
  });

  it('leaves systems language alone: technical faults, blameless, words that only contain a phrase', () => {
    expect(phrases('Fault injection and fault tolerance tests found a page fault; the service is fault-tolerant.')).toEqual([]);
    expect(phrases('This is a blameless review; the failover failed.')).toEqual([]);
    expect(phrases('The retry loop had no backoff, so the queue filled within minutes.')).toEqual([]);
    expect(phrases('The defaults were unsafe.')).toEqual([]);
  });

  it('finds every phrase in order, with where each is', () => {
    const text = 'Human error: the engineer failed to check, and should have known.';
    expect(checkBlamelessLanguage(text).map((f) => [f.phrase, f.match, f.start])).toEqual([
      ['human error', 'Human error', 0],
      ['failed to', 'failed to', 26],
      ['should have', 'should have', 47],
    ]);
  });

  it('flags people’s names as whole words only, ignoring case', () => {
    const names = ['bob', 'Alice Smith', 'alice', 'al'];
    expect(checkBlamelessLanguage('Bob restarted the pod; bob’s change and BOB.', names).map((f) => [f.kind, f.match])).toEqual([
      ['name', 'Bob'],
      ['name', 'bob'],
      ['name', 'BOB'],
    ]);
    // "bob" inside other words is not a name
    expect(phrases('The bobbin and kabob services; bobs; job', names)).toEqual([]);
    // the longer name wins; a display name matches across any white space
    expect(checkBlamelessLanguage('Alice  Smith paged alice.', names).map((f) => f.match)).toEqual(['Alice  Smith', 'alice']);
    // names shorter than three characters are not flagged ("al" in every sentence)
    expect(phrases('Al said all alerts fired', names)).toEqual([]);
    // letters of any script count as word characters
    expect(phrases('Der Bobé-Dienst', ['bob'])).toEqual([]);
    // names with regular-expression characters are taken literally
    expect(phrases('j.doe (on call) and jxdoe', ['j.doe']).length).toBe(1);
  });

  it('finds names among many that share words, the longest first, and a name that starts with a sign once', () => {
    const names = ['bob', '(bob)', 'Display Name', ...Array.from({ length: 2000 }, (_, i) => `Display Name ${i}`), 'Display Name 7 Jr'];
    expect(checkBlamelessLanguage('(bob) paged Display\nName 7 jr and display name 12; Display Names; Display Name', names).map((f) => f.match)).toEqual([
      '(bob)',
      'Display\nName 7 jr',
      'display name 12',
      'Display Name',
    ]);
  });

  it('a name suggests naming the role instead', () => {
    const [f] = checkBlamelessLanguage('carol deployed it', ['carol']);
    expect(f).toMatchObject({ kind: 'name', phrase: 'carol', start: 0, end: 5 });
    expect(f!.suggestion).toMatch(/role/);
  });

  it('checks sections by name, leaving empty ones out', () => {
    expect(checkBlamelessSections({ summary: 'A careless deploy.', impact: '', rootCauses: null, wentWrong: 'dave forgot to' }, ['dave']).map((f) => [f.field, f.phrase])).toEqual([
      ['summary', 'careless'],
      ['wentWrong', 'dave'],
      ['wentWrong', 'forgot to'],
    ]);
  });
});
