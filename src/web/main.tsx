import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app/global.css';
import { createRoot } from 'react-dom/client';
import { createQueryClient, Root } from './app/root.tsx';
import { createRouter } from './app/router.tsx';

createRoot(document.getElementById('root')!).render(<Root router={createRouter()} queryClient={createQueryClient()} />);
