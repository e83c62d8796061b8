/** A page route of the web UI (react-router path syntax) and the scripts its page needs. */
export interface PageRoute {
  path: string;
  files: string[];
}

/**
 * How well `pattern` matches `pathname`, or null: each static segment counts more than a
 * parameter, so /teams/new wins over /teams/:name, as in react-router's ranking.
 */
export function matchScore(pattern: string, pathname: string): number | null {
  const want = pattern.split('/').filter(Boolean);
  const got = pathname.split('/').filter(Boolean);
  let score = 0;
  let i = 0;
  for (const seg of want) {
    if (seg === '*') return score + 1;
    const value = got[i];
    if (seg.startsWith(':')) {
      if (value === undefined) {
        if (seg.endsWith('?')) continue;
        return null;
      }
      score += 3;
    } else {
      if (value === undefined) return null;
      let decoded: string;
      try {
        decoded = decodeURIComponent(value);
      } catch {
        return null;
      }
      if (decoded !== seg) return null;
      score += 10;
    }
    i++;
  }
  return i === got.length ? score : null;
}

/** The scripts of the page at `pathname` (none when no route matches). */
export function pagePreloads(routes: PageRoute[], pathname: string): string[] {
  let best: PageRoute | null = null;
  let bestScore = -1;
  for (const route of routes) {
    const score = matchScore(route.path, pathname);
    if (score !== null && score > bestScore) {
      best = route;
      bestScore = score;
    }
  }
  // only the build's own hashed assets, whatever the table says
  return best ? best.files.filter((f) => /^assets\/[\w.-]+\.js$/.test(f)) : [];
}
