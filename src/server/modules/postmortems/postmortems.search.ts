import { sql, type Expression, type SqlBool } from 'kysely';
import type { DbKind } from '../../platform/db.ts';

/**
 * Full-text search over postmortems' search_text, the one place where SQLite and PostgreSQL
 * differ for this module. Both read the words of a query as "every word, as a prefix, stemmed":
 * "database timeouts" finds "the databases timed out".
 */
export interface PostmortemSearch {
  /** A condition on `postmortems.id` that holds for postmortems whose text has every word of `q`; null when `q` has no words. */
  matches(q: string): Expression<SqlBool> | null;
}

/** The words of a query: letters and digits only, so nothing in them is query syntax on either database. */
export function searchWords(q: string): string[] {
  return [...new Set(q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, 12);
}

/** The text a postmortem is found by: its title, summary, root causes and lessons. */
export function searchText(p: { title: string; summary: string; rootCauses: string; wentWell: string; wentWrong: string; whereWeGotLucky: string }): string {
  return [p.title, p.summary, p.rootCauses, p.wentWell, p.wentWrong, p.whereWeGotLucky].filter(Boolean).join('\n').toLowerCase();
}

const sqliteSearch: PostmortemSearch = {
  matches(q) {
    const words = searchWords(q);
    if (!words.length) return null;
    // FTS5: each word quoted (no operators) with a prefix star; the porter tokenizer stems both sides
    const match = words.map((w) => `"${w}"*`).join(' AND ');
    return sql<SqlBool>`postmortems.id in (select rowid from postmortem_fts where postmortem_fts match ${match})`;
  },
};

const postgresSearch: PostmortemSearch = {
  matches(q) {
    const words = searchWords(q);
    if (!words.length) return null;
    // to_tsquery with :* makes each (stemmed) word a prefix; the words hold no tsquery syntax
    const query = words.map((w) => `${w}:*`).join(' & ');
    return sql<SqlBool>`to_tsvector('english', postmortems.search_text) @@ to_tsquery('english', ${query})`;
  },
};

/** The search of the database Ethos runs on. */
export function postmortemSearch(kind: DbKind): PostmortemSearch {
  return kind === 'postgres' ? postgresSearch : sqliteSearch;
}
