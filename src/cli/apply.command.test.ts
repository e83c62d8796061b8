import { describe, expect, it } from 'vitest';
import { ApiError, type ApiClient } from './api-client.ts';
import { APPLY_BATCH_SIZE, applyDocuments } from './apply.command.ts';
import type { SourceDocument } from './document-files.ts';

const doc = (kind: string, name: string, line = 1): SourceDocument => ({ file: `${name}.yaml`, line, value: { apiVersion: 'ethos/v1', kind, metadata: { name, owner: 'team' } } });

/** An API client that records apply requests and answers each document as created. */
function recordingClient(fail?: { code: string; message: string; details?: unknown }) {
  const batches: { kind: string; name: string }[][] = [];
  const client: ApiClient = {
    url: 'http://test',
    async request(_method: string, _path: string, opts: { body?: unknown } = {}) {
      const documents = (opts.body as { documents: { kind: string; metadata: { name: string } }[] }).documents;
      batches.push(documents.map((d) => ({ kind: d.kind, name: d.metadata.name })));
      if (fail) throw new ApiError(400, fail.code, fail.message, fail.details);
      return {
        dryRun: false,
        results: documents.map((d) => ({ kind: d.kind, name: d.metadata.name, outcome: 'created', diff: '', revision: 1, changeRequest: null, error: null })),
      } as never;
    },
    async requestRaw() {
      throw new Error('not used');
    },
  };
  return { client, batches };
}

describe('applyDocuments', () => {
  it('sends Team documents first, in batches of at most 1000', async () => {
    const docs = [...Array.from({ length: 1500 }, (_, i) => doc('Service', `s${i}`)), doc('Team', 't1'), doc('Team', 't2')];
    const { client, batches } = recordingClient();
    const applied = await applyDocuments(client, docs, { dryRun: false });
    expect(batches.map((b) => b.length)).toEqual([APPLY_BATCH_SIZE, 502]);
    expect(batches[0]!.slice(0, 3)).toEqual([
      { kind: 'Team', name: 't1' },
      { kind: 'Team', name: 't2' },
      { kind: 'Service', name: 's0' },
    ]);
    expect(applied).toHaveLength(1502);
    expect(applied[0]!.source.file).toBe('t1.yaml');
  });

  it('names the file and line of each document the server found invalid', async () => {
    const docs = [doc('Service', 'good', 1), doc('Service', 'bad', 7)];
    const { client } = recordingClient({
      code: 'RESOURCE_INVALID',
      message: '1 document(s) are invalid; nothing was applied',
      details: { documents: [{ index: 1, message: 'spec.lifecycle: Invalid option' }] },
    });
    await expect(applyDocuments(client, docs, { dryRun: false })).rejects.toThrow('bad.yaml:7: spec.lifecycle: Invalid option');
  });
});
