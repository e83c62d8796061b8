import { Box, Table, Text } from '@mantine/core';
import { parsePatch, structuredPatch, type StructuredPatchHunk } from 'diff';
import { dump } from 'js-yaml';
import { useMemo } from 'react';
import classes from './diff-view.module.css';

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/**
 * A document in the canonical YAML the server's diffs use (envelope in order, metadata fields in
 * order, spec and labels with sorted keys), so that client-side and server-side diffs read alike.
 */
export function toYaml(doc: unknown): string {
  if (doc === null || doc === undefined) return '';
  const d = doc as { apiVersion?: unknown; kind?: unknown; metadata?: Record<string, unknown>; spec?: unknown };
  if (!d.metadata) return dump(sortKeys(doc), { lineWidth: -1, noRefs: true, quotingType: '"' });
  const m = d.metadata;
  const metadata: Record<string, unknown> = { name: m.name, owner: m.owner };
  if (m.title !== undefined) metadata.title = m.title;
  if (m.description !== undefined) metadata.description = m.description;
  if (m.labels && Object.keys(m.labels).length) metadata.labels = sortKeys(m.labels);
  return dump({ apiVersion: d.apiVersion, kind: d.kind, metadata, spec: sortKeys(d.spec ?? {}) }, { lineWidth: -1, noRefs: true, quotingType: '"' });
}

interface Row {
  left?: { n: number; text: string; changed: boolean };
  right?: { n: number; text: string; changed: boolean };
  gap?: string;
}

function rowsOf(hunks: StructuredPatchHunk[]): Row[] {
  const rows: Row[] = [];
  for (const h of hunks) {
    rows.push({ gap: `lines ${h.oldStart}–${h.oldStart + Math.max(h.oldLines - 1, 0)} → ${h.newStart}–${h.newStart + Math.max(h.newLines - 1, 0)}` });
    let l = h.oldStart;
    let r = h.newStart;
    let removed: string[] = [];
    let added: string[] = [];
    const flush = () => {
      for (let i = 0; i < Math.max(removed.length, added.length); i++) {
        rows.push({
          left: i < removed.length ? { n: l++, text: removed[i]!, changed: true } : undefined,
          right: i < added.length ? { n: r++, text: added[i]!, changed: true } : undefined,
        });
      }
      removed = [];
      added = [];
    };
    for (const line of h.lines) {
      const mark = line[0];
      const text = line.slice(1);
      if (mark === '-') removed.push(text);
      else if (mark === '+') added.push(text);
      else if (mark === ' ') {
        flush();
        rows.push({ left: { n: l++, text, changed: false }, right: { n: r++, text, changed: false } });
      }
    }
    flush();
  }
  return rows;
}

export interface DiffViewProps {
  /** Either two texts to compare … */
  oldText?: string;
  newText?: string;
  /** … or two documents, compared as YAML with sorted keys … */
  oldDoc?: unknown;
  newDoc?: unknown;
  /** … or a unified patch from the server. */
  patch?: string;
  oldLabel: string;
  newLabel: string;
}

/** A side-by-side diff: removed lines on the left, added on the right, with a few lines of context. */
export default function DiffView({ oldText, newText, oldDoc, newDoc, patch, oldLabel, newLabel }: DiffViewProps) {
  const rows = useMemo(() => {
    if (patch !== undefined) return rowsOf(parsePatch(patch)[0]?.hunks ?? []);
    const a = oldDoc !== undefined ? toYaml(oldDoc) : (oldText ?? '');
    const b = newDoc !== undefined ? toYaml(newDoc) : (newText ?? '');
    return rowsOf(structuredPatch('a', 'b', a, b, '', '', { context: 3 }).hunks);
  }, [patch, oldText, newText, oldDoc, newDoc]);
  if (!rows.length) {
    return (
      <Text c="dimmed" size="sm" py="sm">
        No differences.
      </Text>
    );
  }
  return (
    <Box className={classes.scroll} role="region" aria-label={`Differences between ${oldLabel} and ${newLabel}`} tabIndex={0}>
      <Table className={classes.diff} withColumnBorders verticalSpacing={0} horizontalSpacing={0}>
        {/* the table's layout is fixed: the columns take these widths, not the header's two halves */}
        <colgroup>
          <col className={classes.numCol} />
          <col />
          <col className={classes.numCol} />
          <col />
        </colgroup>
        <Table.Thead>
          <Table.Tr>
            <Table.Th colSpan={2}>{oldLabel}</Table.Th>
            <Table.Th colSpan={2}>{newLabel}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, i) =>
            row.gap ? (
              <Table.Tr key={i} className={classes.gap}>
                <Table.Td colSpan={4}>{row.gap}</Table.Td>
              </Table.Tr>
            ) : (
              <Table.Tr key={i}>
                <Table.Td className={classes.num}>{row.left?.n ?? ''}</Table.Td>
                <Table.Td className={row.left ? (row.left.changed ? classes.del : classes.code) : classes.empty}>
                  {row.left ? <span>{row.left.changed && <span className={classes.sr}>removed: </span>}{row.left.text}</span> : null}
                </Table.Td>
                <Table.Td className={classes.num}>{row.right?.n ?? ''}</Table.Td>
                <Table.Td className={row.right ? (row.right.changed ? classes.add : classes.code) : classes.empty}>
                  {row.right ? <span>{row.right.changed && <span className={classes.sr}>added: </span>}{row.right.text}</span> : null}
                </Table.Td>
              </Table.Tr>
            ),
          )}
        </Table.Tbody>
      </Table>
    </Box>
  );
}
