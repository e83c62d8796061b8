import { ActionIcon, AppShell, Box, Burger, Group, Menu, NavLink, Progress, ScrollArea, Stack, Text, UnstyledButton, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense, useEffect } from 'react';
import { Link, Outlet, useLocation, useNavigation } from 'react-router';
import type { NavItem } from './feature.ts';
import { features } from './features.ts';
import { useMe, useSignOut } from './session.tsx';
import { MoonIcon, SunIcon } from './ui/icons.tsx';
import { PageLoader } from './ui/states.tsx';
import classes from './shell.module.css';

const SECTIONS: { id: NavItem['section']; title: string | null }[] = [
  { id: 'main', title: null },
  { id: 'admin', title: 'Administration' },
  { id: 'account', title: 'Your account' },
];

const navItems = features.flatMap((f) => f.nav ?? []).sort((a, b) => a.order - b.order);
const headerItems = features.flatMap((f) => f.header ?? []).sort((a, b) => a.order - b.order);

/** How specifically an item matches the path: the length of its longest matching prefix, or -1. */
function matchLength(item: NavItem, pathname: string): number {
  const prefixes = [item.to, ...(item.activeOn ?? [])];
  const matching = prefixes.filter((p) => (p === '/' ? pathname === '/' : pathname === p || pathname.startsWith(`${p}/`)));
  return Math.max(-1, ...matching.map((p) => p.length));
}

/** The one item to mark as the current page: the most specific match (/account/tokens over /account). */
function activeItem(items: NavItem[], pathname: string): NavItem | undefined {
  let best: NavItem | undefined;
  let bestLength = -1;
  for (const item of items) {
    const n = matchLength(item, pathname);
    if (n > bestLength) [best, bestLength] = [item, n];
  }
  return best;
}

/** Switches between light and dark. */
export function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light', { getInitialValueInEffect: true });
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <ActionIcon variant="default" size="lg" onClick={() => setColorScheme(next)} aria-label={`Switch to ${next} mode`} title={`Switch to ${next} mode`}>
      {computed === 'dark' ? <SunIcon /> : <MoonIcon />}
    </ActionIcon>
  );
}

/** The signed-in layout: header, side navigation (a drawer behind a burger on phones), content. */
export function Shell() {
  const me = useMe();
  const signOut = useSignOut();
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const navigation = useNavigation();
  useEffect(close, [location.pathname, close]);
  const visibleItems = navItems.filter((i) => (i.visible ? i.visible(me) : true));
  const current = activeItem(visibleItems, location.pathname);

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <a href="#main" className={classes.skip}>
        Skip to content
      </a>
      <AppShell.Header>
        {navigation.state === 'loading' && <Progress value={100} animated size="xs" radius={0} className={classes.progress} aria-label="Loading page" />}
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close navigation' : 'Open navigation'} />
            <UnstyledButton component={Link} to="/" className={classes.brand} aria-label="Ethos home">
              <img src="/favicon.svg" alt="" width={26} height={26} />
              <Text fw={700} fz="lg">
                Ethos
              </Text>
            </UnstyledButton>
          </Group>
          <Group gap="xs" wrap="nowrap">
            {headerItems.map(({ id, Component }) => (
              <Component key={id} />
            ))}
            <ColorSchemeToggle />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton className={classes.user} aria-label={`Account menu for ${me.user.name}`}>
                  <Text size="sm" fw={500} truncate maw={160}>
                    {me.user.displayName || me.user.name}
                  </Text>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Signed in as {me.user.name}</Menu.Label>
                <Menu.Item component={Link} to="/account">
                  Profile and password
                </Menu.Item>
                <Menu.Item component={Link} to="/account/tokens">
                  API tokens
                </Menu.Item>
                <Menu.Divider />
                <Menu.Item onClick={() => void signOut()}>Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs" aria-label="Main navigation" className={classes.navbar} data-closed={opened ? undefined : true}>
        <ScrollArea type="never">
          <Stack gap="md">
            {SECTIONS.map((section) => {
              const items = visibleItems.filter((i) => i.section === section.id);
              if (!items.length) return null;
              return (
                <Box key={section.id} component="nav" aria-label={section.title ?? 'Pages'}>
                  {section.title && (
                    <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" mb={4}>
                      {section.title}
                    </Text>
                  )}
                  {items.map((item) => {
                    const active = item === current;
                    const Badge = item.badge;
                    return <NavLink key={item.to} component={Link} to={item.to} label={item.label} rightSection={Badge && <Badge />} active={active} aria-current={active ? 'page' : undefined} />;
                  })}
                </Box>
              );
            })}
          </Stack>
        </ScrollArea>
      </AppShell.Navbar>

      <AppShell.Main id="main" tabIndex={-1} className={classes.main}>
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
