import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useDocumentTitle } from './page.tsx';

/** A page that does not exist. */
export function NotFound() {
  useDocumentTitle('Not found');
  return (
    <Center py="xl">
      <Stack align="center" gap="xs">
        <Title order={1}>Page not found</Title>
        <Text c="dimmed">There is nothing at this address. It may have been renamed or deleted.</Text>
        <Button component={Link} to="/" variant="light">
          Go to the home page
        </Button>
      </Stack>
    </Center>
  );
}

