import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { createBrowserRouter, isRouteErrorResponse, useRouteError, type RouteObject } from 'react-router';
import { features } from './features.ts';
import { RequireSession } from './session.tsx';
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

/** All routes, assembled from the features. */
export function buildRoutes(): RouteObject[] {
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
              children: [...features.flatMap((f) => f.routes ?? []), { path: '*', element: <NotFound /> }],
            },
          ],
        },
      ],
    },
  ];
}

export function createRouter() {
  return createBrowserRouter(buildRoutes());
}
