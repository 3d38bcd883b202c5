import type { AnalysisMessageView, AnalysisReportView } from './analyze-command.js';
import { EXIT_ANALYZER_FOUND_ISSUES, runAnalyze } from './analyze-command.js';
import type { GalleyClient } from './galley-client.js';

const msg = (level: AnalysisMessageView['level'], code = 'IST0101'): AnalysisMessageView => ({
  code,
  level,
  resource: 'VirtualService default/reviews',
  field: 'spec.http[0].route[0].destination.subset',
  message: 'Referenced host+subset in destinationrule not found: "reviews+v9".',
});

/** A Galley client answering a fixed report, recording what it was asked. */
function fakeGalley(report: AnalysisReportView): { client: GalleyClient; calls: Array<{ namespace: string | undefined; documents?: readonly unknown[] }> } {
  const calls: Array<{ namespace: string | undefined; documents?: readonly unknown[] }> = [];
  const client = {
    analyze: async (namespace: string | undefined, documents?: readonly unknown[]) => {
      calls.push({ namespace, documents });
      return report as unknown as Record<string, unknown>;
    },
  } as unknown as GalleyClient;
  return { client, calls };
}

async function run(report: AnalysisReportView, opts: { files?: string[]; namespace?: string; output?: string; failureThreshold?: string; stdin?: string } = {}) {
  const galley = fakeGalley(report);
  let out = '';
  let err = '';
  const code = await runAnalyze(
    galley.client,
    { files: opts.files ?? [], namespace: 'namespace' in opts ? opts.namespace : 'default', output: opts.output, failureThreshold: opts.failureThreshold },
    { out: (t) => void (out += t), err: (t) => void (err += t), stdin: () => opts.stdin ?? '' },
  );
  return { code, out, err, calls: galley.calls };
}

describe('meshctl analyze', () => {
  it('prints a table with the field before the message, and fails on errors with istioctl\'s exit code', async () => {
    const r = await run({ messages: [msg('Error')], inventory: { available: true } });
    expect(r.code).toBe(EXIT_ANALYZER_FOUND_ISSUES);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CODE\s+LEVEL\s+RESOURCE\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^IST0101\s+Error\s+VirtualService default\/reviews\s+spec\.http\[0\]\.route\[0\]\.destination\.subset: Referenced host\+subset/);
    expect(r.err).toBe('Analyzers found 1 issue at or above Warning level.\n');
    expect(r.calls).toEqual([{ namespace: 'default', documents: undefined }]);
  });

  it.each<[AnalysisMessageView['level'][], string | undefined, number]>([
    [[], undefined, 0],
    [['Info'], undefined, 0],
    [['Warning'], undefined, EXIT_ANALYZER_FOUND_ISSUES],
    [['Warning'], 'Error', 0],
    [['Info'], 'info', EXIT_ANALYZER_FOUND_ISSUES],
  ])('exits by the failure threshold: levels %j, threshold %s → %i', async (levels, threshold, code) => {
    expect((await run({ messages: levels.map((l) => msg(l)) }, { failureThreshold: threshold })).code).toBe(code);
  });

  it('says so when there is nothing to report, and when the registry was not available', async () => {
    const r = await run({ messages: [], inventory: { available: false } }, { namespace: undefined });
    expect(r.out).toBe('No validation issues found when analyzing all namespaces.\n');
    expect(r.err).toMatch(/^Note: no mesh registry is published yet \(is Pilot running\?\)/);
  });

  it('sends the documents of the files to analyse as if applied, and lists what Galley skipped', async () => {
    const r = await run(
      { messages: [], skipped: [{ index: 1, kind: 'Deployment', name: 'web', reason: 'not Istio config' }] },
      { files: ['-'], stdin: 'kind: VirtualService\nmetadata: {name: a}\n---\nkind: Deployment\nmetadata: {name: web}\n' },
    );
    expect(r.calls).toEqual([{ namespace: 'default', documents: [{ kind: 'VirtualService', metadata: { name: 'a' } }, { kind: 'Deployment', metadata: { name: 'web' } }] }]);
    expect(r.err).toBe('Skipped document 2 (Deployment web): not Istio config\n');
  });

  it('refuses broken YAML before asking Galley', async () => {
    const r = await run({ messages: [] }, { files: ['-'], stdin: 'a: [1\n' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^- \(document 1\): not valid YAML/);
    expect(r.calls).toEqual([]);
  });

  it.each(['json', 'yaml'])('prints the messages as %s for scripts', async (output) => {
    const r = await run({ messages: [msg('Warning')] }, { output });
    expect(r.code).toBe(EXIT_ANALYZER_FOUND_ISSUES);
    expect(r.out).toContain(output === 'json' ? '"code": "IST0101"' : 'code: IST0101');
    expect(r.err).toBe('');
  });

  it('refuses an unknown threshold', async () => {
    expect((await run({ messages: [] }, { failureThreshold: 'loud' })).code).toBe(2);
  });
});
