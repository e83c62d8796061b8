import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { RouterProvider, type createBrowserRouter } from 'react-router';
import { ApiError, isUnauthorized } from './api.ts';
import { styleNonce } from './nonce.ts';
import { meQueryKey } from './session.tsx';

const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
});

/** The query client: a 401 anywhere forgets the user (the guard then shows sign-in). */
export function createQueryClient(): QueryClient {
  const onApiError = (err: unknown) => {
    if (isUnauthorized(err)) queryClient.setQueryData(meQueryKey, null);
    else if (err instanceof ApiError && err.code === 'AUTH_PASSWORD_CHANGE_REQUIRED') void queryClient.invalidateQueries({ queryKey: meQueryKey });
  };
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: onApiError }),
    mutationCache: new MutationCache({ onError: onApiError }),
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        // retry only what may pass next time: network trouble and server errors
        retry: (count, err) => count < 2 && (!(err instanceof ApiError) || err.status === 0 || err.status >= 500),
      },
    },
  });
  return queryClient;
}

const nonce = styleNonce;
const getStyleNonce = nonce ? () => nonce : undefined;

/** The providers around the router: theme (light/dark), notifications, server state. */
export function Root({ router, queryClient }: { router: ReturnType<typeof createBrowserRouter>; queryClient: QueryClient }) {
  return (
    <StrictMode>
      <MantineProvider theme={theme} defaultColorScheme="auto" getStyleNonce={getStyleNonce}>
        {/* bottom-right: at the top the toasts covered the header's controls (account menu, inbox) for seconds */}
        <Notifications position="bottom-right" />
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>
  );
}
