import { Button, Center, Stack, Text, Title } from '@mantine/core';
import type { QueryClient } from '@tanstack/react-query';
import { createBrowserRouter, isRouteErrorResponse, useRouteError, type RouteObject } from 'react-router';
import { prefetchOf } from './feature.ts';
import { features } from './features.ts';
import { meQuery, RequireSession } from './session.tsx';
import { Shell } from './shell.tsx';
import { PageLoader } from './ui/states.tsx';
import { NotFound } from './ui/not-found.tsx';

/** Shown when a page fails to load or throws while rendering. */
function RouteError() {
  const error = useRouteError();
  // after an upgrade the old page's code chunks are gone: a reload fetches the new ones
  const stale = error instanceof TypeError && /dynamically imported module|Importing a module script failed|error loading/i.test(error.message);
  return (
    <Center py="xl" px="md">
      <Stack align="center" gap="xs" maw={560} ta="center">
        <Title order={1}>{stale ? 'Ethos was updated' : 'This page failed'}</Title>
        <Text c="dimmed">
          {stale
            ? 'A newer version of Ethos is available. Reload the page to use it.'
            : isRouteErrorResponse(error)
              ? `${error.status} ${error.statusText}`
              : error instanceof Error
                ? error.message
                : 'An unexpected error happened.'}
        </Text>
        <Button onClick={() => window.location.reload()}>Reload</Button>
      </Stack>
    </Center>
  );
}

/** Whether the server said that this page came with a session cookie; used for the first page only. */
let sessionHinted = typeof document !== 'undefined' && document.querySelector('meta[name="ethos-session"]') !== null;

/**
 * Gives a route that declares a prefetch a loader that starts it without waiting for it: once the
 * user is known (that request is already under way), so visitors and users who must first change
 * their password cause no failing requests.
 */
function withPrefetch(route: RouteObject, queryClient: QueryClient | undefined): RouteObject {
  const prefetch = prefetchOf(route);
  if (!prefetch || !queryClient) return route;
  return {
    ...route,
    loader: ({ params, request }) => {
      const search = new URL(request.url).searchParams;
      // the server saw a session cookie when it sent this page: most likely still signed in, so
      // the data need not wait for the answer about who is (a lapsed session just gets a 401)
      if (sessionHinted && !queryClient.getQueryData(meQuery.queryKey)) {
        sessionHinted = false;
        prefetch(queryClient, { params, search });
        return null;
      }
      void queryClient
        .ensureQueryData(meQuery)
        .then((me) => me && !me.user.mustChangePassword && prefetch(queryClient, { params, search }))
        .catch(() => undefined);
      return null;
    },
  } as RouteObject;
}

/** All routes, assembled from the features; with a query client, pages' data starts loading with their code. */
export function buildRoutes(queryClient?: QueryClient): RouteObject[] {
  return [
    {
      errorElement: <RouteError />,
      hydrateFallbackElement: <PageLoader />,
      children: [
        ...features.flatMap((f) => f.publicRoutes ?? []),
        { element: <RequireSession passwordChange />, children: features.flatMap((f) => f.sessionRoutes ?? []) },
        {
          element: <RequireSession />,
          children: [
            {
              element: <Shell />,
              errorElement: <RouteError />,
              children: [...features.flatMap((f) => f.routes ?? []).map((r) => withPrefetch(r, queryClient)), { path: '*', element: <NotFound /> }],
            },
          ],
        },
      ],
    },
  ];
}

export function createRouter(queryClient?: QueryClient) {
  return createBrowserRouter(buildRoutes(queryClient));
}
