import { sql, type Expression, type SqlBool } from 'kysely';
import type { DbKind } from '../../platform/db.ts';

/**
 * Full-text search over postmortems' search_text, the one place where SQLite and PostgreSQL
 * differ for this module. Both read the words of a query as "every word, as a prefix, stemmed":
 * "database timeouts" finds "the databases timed out".
 */
export interface PostmortemSearch {
  /** A condition that holds for postmortems whose text has every word of `q` (none when `q` has no words but stop words). */
  matches(q: string): Expression<SqlBool>;
}

/**
 * English stop words (the list PostgreSQL's english configuration drops): left out of queries on
 * both databases, so that "the pool" finds the same postmortems on each.
 */
const STOP_WORDS = new Set(
  `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself they them their theirs themselves
  what which who whom this that these those am is are was were be been being have has had having do does did doing a an the and but if or because as until while
  of at by for with about against between into through during before after above below to from up down in out on off over under again further then once here
  there when where why how all any both each few more most other some such no nor not only own same so than too very s t can will just don should now`.split(/\s+/),
);

/** The words of a query: letters and digits only (nothing in them is query syntax on either database), stop words left out. */
export function searchWords(q: string): string[] {
  return [...new Set(q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].filter((w) => !STOP_WORDS.has(w)).slice(0, 12);
}

const nothing = sql<SqlBool>`1 = 0`;

/** The text a postmortem is found by: its title, summary, root causes and lessons. */
export function searchText(p: { title: string; summary: string; rootCauses: string; wentWell: string; wentWrong: string; whereWeGotLucky: string }): string {
  return [p.title, p.summary, p.rootCauses, p.wentWell, p.wentWrong, p.whereWeGotLucky].filter(Boolean).join('\n').toLowerCase();
}

const sqliteSearch: PostmortemSearch = {
  matches(q) {
    const words = searchWords(q);
    if (!words.length) return nothing;
    // FTS5: each word quoted (no operators) with a prefix star; the porter tokenizer stems both sides
    const match = words.map((w) => `"${w}"*`).join(' AND ');
    return sql<SqlBool>`postmortems.id in (select rowid from postmortem_fts where postmortem_fts match ${match})`;
  },
};

const postgresSearch: PostmortemSearch = {
  matches(q) {
    const words = searchWords(q);
    if (!words.length) return nothing;
    // to_tsquery with :* makes each (stemmed) word a prefix; the words hold no tsquery syntax
    const query = words.map((w) => `${w}:*`).join(' & ');
    return sql<SqlBool>`to_tsvector('english', postmortems.search_text) @@ to_tsquery('english', ${query})`;
  },
};

/** The search of the database Ethos runs on. */
export function postmortemSearch(kind: DbKind): PostmortemSearch {
  return kind === 'postgres' ? postgresSearch : sqliteSearch;
}
