import { lazy, Suspense } from 'react';
import { PageLoader } from '../states.tsx';
import type { DiffViewProps } from './diff-view.tsx';

const DiffView = lazy(() => import('./diff-view.tsx'));

/** The side-by-side diff, loaded on first use (it brings the diff and YAML libraries). */
export function LazyDiff(props: DiffViewProps) {
  return (
    <Suspense fallback={<PageLoader label="Loading the diff" />}>
      <DiffView {...props} />
    </Suspense>
  );
}
