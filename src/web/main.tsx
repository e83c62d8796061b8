import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app/global.css';
import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { ApiError, isUnauthorized } from './app/api.ts';
import { styleNonce } from './app/nonce.ts';
import { createRouter } from './app/router.tsx';
import { meQueryKey } from './app/session.tsx';

function onApiError(err: unknown) {
  // the session ended (expired, signed out elsewhere): forget the user, the guard goes to sign-in
  if (isUnauthorized(err)) queryClient.setQueryData(meQueryKey, null);
  else if (err instanceof ApiError && err.code === 'AUTH_PASSWORD_CHANGE_REQUIRED') void queryClient.invalidateQueries({ queryKey: meQueryKey });
}

const queryClient = new QueryClient({
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

const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
});

const router = createRouter();
const nonce = styleNonce;
const getStyleNonce = nonce ? () => nonce : undefined;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" getStyleNonce={getStyleNonce}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
