import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, type ReactNode } from 'react';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { api, isUnauthorized, setCsrfToken } from './api.ts';
import { PageLoader, ErrorState } from './ui/states.tsx';
import type { Me } from './types.ts';

export const meQueryKey = ['me'] as const;

/** Who is signed in: null when nobody is (the cookie is missing or the session ended). */
export const meQuery = {
  queryKey: meQueryKey,
  queryFn: async (): Promise<Me | null> => {
    try {
      const me = await api<Me>('/me');
      setCsrfToken(me.csrfToken);
      return me;
    } catch (err) {
      if (isUnauthorized(err)) {
        setCsrfToken(null);
        return null;
      }
      throw err;
    }
  },
  staleTime: 5 * 60_000,
  retry: false,
};

const MeContext = createContext<Me | null>(null);

/** The signed-in user; only inside pages that need a session. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe() outside a signed-in page');
  return me;
}

const key = (s: string) => s.toLowerCase();

/** The user's role in a team, or null. */
export function roleIn(me: Me, team: string): 'maintainer' | 'member' | null {
  return me.teams.find((t) => key(t.team) === key(team))?.role ?? null;
}

/** Whether the user may write resources owned by `owner` directly (members and admins). */
export function canWrite(me: Me, owner: string): boolean {
  return me.user.admin || roleIn(me, owner) !== null;
}

/** A safe place to return to after sign-in: a path of this app, never another site. */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/**
 * Guards pages that need a session: sends the visitor to sign-in, and a user who must change
 * their password to that page before anything else.
 */
export function RequireSession({ passwordChange = false, children }: { passwordChange?: boolean; children?: ReactNode }) {
  const { data: me, isPending, error, refetch } = useQuery(meQuery);
  const location = useLocation();
  if (isPending) return <PageLoader />;
  if (error) return <ErrorState error={error} retry={() => void refetch()} />;
  if (!me) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  if (me.user.mustChangePassword && !passwordChange) return <Navigate to="/change-password" replace />;
  return <MeContext.Provider value={me}>{children ?? <Outlet />}</MeContext.Provider>;
}

/** Signs out: ends the session on the server, forgets everything cached, goes to sign-in. */
export function useSignOut() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useCallback(async () => {
    try {
      await api('/auth/logout', { method: 'POST' });
    } catch {
      // the session may already be gone; signing out locally is what matters
    }
    setCsrfToken(null);
    queryClient.clear();
    queryClient.setQueryData(meQueryKey, null);
    void navigate('/sign-in', { replace: true });
  }, [queryClient, navigate]);
}
