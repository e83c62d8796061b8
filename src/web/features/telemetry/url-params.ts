import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';

/** The query string with some settings changed (null or '' removes one; an array repeats it). */
export function withParams(params: URLSearchParams, changes: Record<string, string | string[] | null>): URLSearchParams {
  const p = new URLSearchParams(params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '' || Array.isArray(v)) p.delete(k);
    // set keeps a parameter where it was: a link's address does not shuffle as settings change
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else if (v) p.set(k, v);
  }
  return p;
}

/**
 * A text box the address keeps (`?name=`): what is typed is written there after a pause, replacing
 * the history entry; Back and Forward change the box.
 */
export function useUrlText(name: string, delay = 400): [string, (value: string) => void] {
  const [params, setParams] = useSearchParams();
  const inUrl = params.get(name)?.trim() ?? '';
  const [value, setValue] = useState(inUrl);
  const [debounced] = useDebouncedValue(value.trim(), delay);
  const applied = useRef(inUrl);
  useEffect(() => {
    if (debounced === applied.current) return;
    applied.current = debounced;
    setParams((p) => withParams(p, { [name]: debounced }), { replace: true });
  }, [debounced, name, setParams]);
  useEffect(() => {
    if (inUrl !== applied.current) {
      applied.current = inUrl;
      setValue(inUrl);
    }
  }, [inUrl]);
  return [value, setValue];
}
