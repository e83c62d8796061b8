import { Box, Text } from '@mantine/core';
import { forceLinting, linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useRef } from 'react';
import { parseDocument, stringify } from 'yaml';
import { styleNonce } from '../../app/nonce.ts';
import type { Issue } from '../../app/types.ts';
import { rangeOf } from './yaml-issues.ts';

// colours from the component library's palette, readable in light and dark mode alike
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--mantine-color-blue-text)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--mantine-color-green-text)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--mantine-color-grape-text)' },
  { tag: [tags.comment, tags.meta], color: 'var(--mantine-color-dimmed)', fontStyle: 'italic' },
  { tag: [tags.punctuation, tags.separator, tags.operator], color: 'var(--mantine-color-dimmed)' },
  { tag: tags.invalid, color: 'var(--mantine-color-red-text)' },
]);

export interface YamlEditorProps {
  initialDoc: unknown;
  /** Problems the server found, by document path (spec.links.0.url): shown on their lines. */
  issues: Issue[];
  label: string;
  /** Called with the parsed document, or null and the reason when the YAML does not parse. */
  onChange(doc: Record<string, unknown> | null, error: string | null): void;
}

const theme = EditorView.theme({
  '&': { fontSize: '13px', border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-sm)', backgroundColor: 'var(--mantine-color-body)', color: 'var(--mantine-color-text)' },
  '&.cm-focused': { outline: '2px solid var(--mantine-primary-color-filled)' },
  '.cm-content': { fontFamily: 'var(--mantine-font-family-monospace)', caretColor: 'var(--mantine-color-text)' },
  '.cm-gutters': { backgroundColor: 'var(--mantine-color-default)', color: 'var(--mantine-color-dimmed)', borderRight: '1px solid var(--mantine-color-default-border)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--mantine-color-default-hover)' },
  '.cm-scroller': { minHeight: '360px', maxHeight: '70vh' },
});

/** The YAML tab: CodeMirror with YAML highlighting, syntax errors and the server's messages inline. */
export default function YamlEditor({ initialDoc, issues, label, onChange }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const issuesRef = useRef(issues);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });

  useEffect(() => {
    const report = (text: string) => {
      const parsed = parseDocument(text);
      if (parsed.errors.length) return onChangeRef.current(null, parsed.errors[0]!.message.split('\n')[0]!);
      const value = parsed.toJS() as unknown;
      if (!value || typeof value !== 'object' || Array.isArray(value)) return onChangeRef.current(null, 'the document must be a mapping with apiVersion, kind, metadata and spec');
      onChangeRef.current(value as Record<string, unknown>, null);
    };
    const lint = linter(
      (v) => {
        const text = v.state.doc.toString();
        const parsed = parseDocument(text);
        const out: Diagnostic[] = parsed.errors.map((e) => ({ from: Math.min(e.pos[0], text.length), to: Math.min(Math.max(e.pos[1], e.pos[0] + 1), text.length), severity: 'error', message: e.message.split('\n')[0]! }));
        if (!parsed.errors.length) {
          for (const issue of issuesRef.current) {
            const r = rangeOf(parsed, issue);
            out.push({ from: r ? Math.min(r[0], text.length) : 0, to: r ? Math.min(r[1], text.length) : Math.min(1, text.length), severity: 'error', message: `${issue.path || 'document'}: ${issue.message}`, source: 'Ethos' });
          }
        }
        return out;
      },
      { delay: 300 },
    );
    const v = new EditorView({
      parent: host.current!,
      doc: stringify(initialDoc, { lineWidth: 0 }),
      extensions: [
        basicSetup,
        yaml(),
        syntaxHighlighting(highlight),
        lintGutter(),
        lint,
        theme,
        EditorView.lineWrapping,
        EditorView.cspNonce.of(styleNonce ?? ''),
        EditorView.contentAttributes.of({ 'aria-label': label }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) report(u.state.doc.toString());
        }),
      ],
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // the editor is created once per mount; the parent remounts it (key) to load another document
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    issuesRef.current = issues;
    if (view.current) forceLinting(view.current);
  }, [issues]);

  return (
    <Box>
      <div ref={host} />
      <Text size="xs" c="dimmed" mt={4}>
        The whole document as YAML. Tab moves focus out of the editor; problems show in the gutter and as underlines (hover or move the cursor there to read them).
      </Text>
    </Box>
  );
}
