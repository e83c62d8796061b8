import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app/global.css';
import { createRoot } from 'react-dom/client';
import { createQueryClient, Root } from './app/root.tsx';
import { createRouter } from './app/router.tsx';
import { meQuery } from './app/session.tsx';

const queryClient = createQueryClient();
// who is signed in: asked now, while the router still loads the page's code, not after it
void queryClient.prefetchQuery(meQuery);
createRoot(document.getElementById('root')!).render(<Root router={createRouter(queryClient)} queryClient={queryClient} />);
