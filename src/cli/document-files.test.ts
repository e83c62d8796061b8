import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, parseDocuments, readDocumentsOrFail } from './document-files.ts';

describe('parseDocuments', () => {
  it('reads every document of a multi-document YAML file with the line it starts on', () => {
    const { documents, errors } = parseDocuments('a.yaml', 'kind: A\n---\n---\n# comment\nkind: B\n');
    expect(errors).toEqual([]);
    expect(documents).toEqual([
      { file: 'a.yaml', line: 1, value: { kind: 'A' } },
      { file: 'a.yaml', line: 5, value: { kind: 'B' } },
    ]);
  });

  it('treats a top-level list as a list of documents', () => {
    const { documents } = parseDocuments('list.yaml', '- kind: A\n- kind: B\n');
    expect(documents.map((d) => [d.line, d.value])).toEqual([
      [1, { kind: 'A' }],
      [2, { kind: 'B' }],
    ]);
  });

  it('reports a YAML syntax error as file:line:column', () => {
    const { errors } = parseDocuments('bad.yaml', 'kind: A\n---\nkind: B\nmetadata:\n  name: x: y\n');
    expect(errors).toEqual(['bad.yaml:5:9: Nested mappings are not allowed in compact mappings']);
  });

  it('reports duplicate keys, which would silently drop a value', () => {
    expect(parseDocuments('dup.yaml', 'kind: A\nkind: B\n').errors).toEqual(['dup.yaml:2:1: Map keys must be unique']);
  });

  it('parses JSON strictly, where YAML would read a missing value as null', () => {
    expect(parseDocuments('doc.json', '{"kind": "A"}').documents).toEqual([{ file: 'doc.json', line: 1, value: { kind: 'A' } }]);
    expect(parseDocuments('doc.json', '{"kind": }').errors).toEqual([expect.stringMatching(/^doc\.json.*invalid JSON/)]);
  });
});

describe('reading a directory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ethos-docs-'));
    const put = async (name: string, text: string) => {
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), text);
    };
    await put('b.yaml', 'kind: B\n');
    await put('a/z.yml', 'kind: Z\n');
    await put('a/c.json', '{"kind": "C"}');
    await put('notes.md', '# not read\n');
    await put('.git/config.yaml', 'kind: Hidden\n');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds YAML and JSON files recursively, in a stable order, skipping hidden entries', async () => {
    const files = (await listFiles(dir)).map((f) => path.relative(dir, f));
    expect(files).toEqual(['a/c.json', 'a/z.yml', 'b.yaml']);
  });

  it('fails listing every syntax error before anything is used', async () => {
    await fs.writeFile(path.join(dir, 'broken.yaml'), 'a: [\n');
    await expect(readDocumentsOrFail(dir)).rejects.toThrow(/1 syntax error\(s\); nothing was sent:\n {2}.*broken\.yaml:2:1: /);
    await fs.rm(path.join(dir, 'broken.yaml'));
  });

  it('names a path that does not exist', async () => {
    await expect(listFiles(path.join(dir, 'nope'))).rejects.toThrow('no such file or directory');
  });
});

describe('parseDocuments fast and thorough paths agree', () => {
  it('gives the same documents and lines with comments, empty documents and inline starts', () => {
    const text = '# header\n---\nkind: A\nspec:\n  x: 1\n---\n\n# only a comment\n---\n--- {kind: B}\n---\n  # indented comment\nkind: C\nv: "2024-01-01"\nw: yes\n';
    const { documents } = parseDocuments('m.yaml', text);
    expect(documents.map((d) => [d.line, d.value])).toEqual([
      [3, { kind: 'A', spec: { x: 1 } }],
      [10, { kind: 'B' }],
      [13, { kind: 'C', v: '2024-01-01', w: 'yes' }],
    ]);
    // an alias sends the file through the thorough parser, which expands it
    const aliased = parseDocuments('a.yaml', 'kind: A\n---\nkind: B\nbase: &s {x: 1}\nspec: *s\n');
    expect(aliased.documents.map((d) => [d.line, d.value])).toEqual([
      [1, { kind: 'A' }],
      [3, { kind: 'B', base: { x: 1 }, spec: { x: 1 } }],
    ]);
  });
});
