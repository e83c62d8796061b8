import fs from 'node:fs/promises';
import path from 'node:path';
import jsyaml from 'js-yaml';
import { LineCounter, parseAllDocuments } from 'yaml';
import { CliError } from './output.ts';

/** One document read from a file, with where it came from. */
export interface SourceDocument {
  /** The file, as given or relative to the given directory's parent. */
  file: string;
  /** 1-based line where the document starts. */
  line: number;
  value: unknown;
}

/** The documents of a set of files, and every syntax error found in them. */
export interface ReadResult {
  documents: SourceDocument[];
  /** `file:line:column: message`, one per error; non-empty means nothing should be sent. */
  errors: string[];
}

/** Extensions `apply` and `diff` read from a directory. */
export const DOCUMENT_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * The files under `target`: the file itself, or every file with one of `extensions` in the
 * directory tree (sorted, hidden entries skipped).
 */
export async function listFiles(target: string, extensions: readonly string[] = DOCUMENT_EXTENSIONS): Promise<string[]> {
  let stat;
  try {
    stat = await fs.stat(target);
  } catch (err) {
    throw new CliError(`cannot read ${target}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (!stat.isDirectory()) return [target];
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && extensions.includes(path.extname(e.name).toLowerCase())) found.push(full);
    }
  };
  await walk(target);
  return found;
}

/** Line (1-based) of a character offset; for one-off error positions. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses one file's text: multi-document YAML (JSON is YAML too). A top-level list is a list of
 * documents; empty documents are skipped.
 */
export function parseDocuments(file: string, text: string): ReadResult {
  if (path.extname(file).toLowerCase() === '.json') return parseJson(file, text);
  return parseFast(file, text) ?? parseThorough(file, text);
}

/**
 * Lines (1-based) where each YAML document of `text` has its first content: the document starts
 * at line 1 and after each `---`; blank and comment lines are skipped.
 */
function documentStartLines(text: string): number[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  let pending = true;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^---(\s|$)/.test(l)) {
      pending = true;
      if (l.trim() !== '---') {
        starts.push(i + 1);
        pending = false;
      }
      continue;
    }
    if (pending && l.trim() !== '' && !l.trimStart().startsWith('#')) {
      starts.push(i + 1);
      pending = false;
    }
  }
  return starts;
}

/**
 * The common case, several times faster than the thorough parser: a file that js-yaml reads
 * without error, with plain `---` separators and no aliases. Anything else returns null and goes
 * through the thorough parser, which reports every error with its line.
 */
function parseFast(file: string, text: string): ReadResult | null {
  if (/^%/m.test(text) || /(^|[\s[{,:-])\*[^\s,\]}]/m.test(text)) return null;
  let values: unknown[];
  try {
    values = jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA });
  } catch {
    return null;
  }
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.some((v) => Array.isArray(v))) return null;
  const starts = documentStartLines(text);
  if (starts.length !== present.length) return null;
  const documents: SourceDocument[] = present.map((value, i) => ({ file, line: starts[i]!, value }));
  return { documents, errors: [] };
}

/** The thorough YAML parser: exact positions of documents, list items and every error. */
function parseThorough(file: string, text: string): ReadResult {
  const documents: SourceDocument[] = [];
  const errors: string[] = [];
  // the parser records line starts as it goes, so each document's line is a binary search
  const lines = new LineCounter();
  const lineAt = (offset: number) => lines.linePos(offset).line;
  for (const doc of parseAllDocuments(text, { prettyErrors: true, lineCounter: lines })) {
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0];
        const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        errors.push(`${file}:${pos ? `${pos.line}:${pos.col}` : lineOf(text, e.pos[0])}: ${message}`);
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      errors.push(`${file}:${lineOf(text, doc.contents?.range[0] ?? 0)}: ${(err as Error).message}`);
      continue;
    }
    if (value === null || value === undefined) continue;
    const line = lineAt(doc.contents?.range[0] ?? 0);
    if (Array.isArray(value)) {
      const items = (doc.contents as { items?: { range?: [number, number, number] }[] }).items ?? [];
      value.forEach((v, i) => documents.push({ file, line: lineAt(items[i]?.range?.[0] ?? 0), value: v }));
    } else {
      documents.push({ file, line, value });
    }
  }
  return { documents, errors };
}

/** JSON is parsed strictly (YAML would accept `{"a": }`); a top-level array is a list of documents. */
function parseJson(file: string, text: string): ReadResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const line = /line (\d+) column (\d+)/.exec(message);
    const where = line ? `:${line[1]}:${line[2]}` : at ? `:${lineOf(text, Number(at[1]))}` : '';
    const cleaned = message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
    return { documents: [], errors: [`${file}${where}: ${cleaned} (invalid JSON)`] };
  }
  const values = Array.isArray(value) ? value : [value];
  return { documents: values.filter((v) => v !== null).map((v) => ({ file, line: 1, value: v })), errors: [] };
}

/** Reads and parses every document file under `target`. */
export async function readDocuments(target: string, extensions: readonly string[] = DOCUMENT_EXTENSIONS): Promise<ReadResult> {
  const files = await listFiles(target, extensions);
  const result: ReadResult = { documents: [], errors: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      result.errors.push(`${file}: ${(err as Error).message}`);
      continue;
    }
    const r = parseDocuments(file, text);
    result.documents.push(...r.documents);
    result.errors.push(...r.errors);
  }
  return result;
}

/** Reads documents, or fails listing every syntax error when any file has one. */
export async function readDocumentsOrFail(target: string, extensions?: readonly string[]): Promise<SourceDocument[]> {
  const { documents, errors } = await readDocuments(target, extensions);
  if (errors.length) {
    throw new CliError(`${errors.length} syntax error(s); nothing was sent:\n  ${errors.join('\n  ')}`);
  }
  return documents;
}
