import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KINDS, splitApiVersion, validateResource } from '@mesh/shared-api';
import { istioCorpusDir } from '../testing/istio-corpus.js';
import { reviewAdmission, WEBHOOK_GROUPS } from './admission-review.js';
import type { WebhookEndpoint } from './admission-review.js';

const CORPUS = istioCorpusDir();

type Doc = { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string }; spec?: unknown };

function review(object: Doc | undefined, opts: { operation?: string; uid?: string; apiVersion?: string; kind?: { group: string; version: string; kind: string } } = {}) {
  const [group, version] = object ? splitApiVersion(object.apiVersion) : ['networking.istio.io', 'v1alpha3'];
  return {
    apiVersion: opts.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: opts.uid ?? 'uid-1',
      kind: opts.kind ?? { group, version, kind: object?.kind ?? 'VirtualService' },
      resource: { group, version, resource: 'x' },
      operation: opts.operation ?? 'CREATE',
      namespace: object?.metadata?.namespace ?? 'default',
      name: object?.metadata?.name,
      userInfo: { username: 'alice' },
      object,
    },
  };
}

function endpointOf(doc: Doc): WebhookEndpoint {
  const [group] = splitApiVersion(doc.apiVersion);
  return WEBHOOK_GROUPS.mixer.includes(group) ? 'mixer' : 'pilot';
}

/** Every document of the corpus' validation files whose kind this build serves. */
function corpusDocuments(): { file: string; index: number; doc: Doc }[] {
  const out: { file: string; index: number; doc: Doc }[] = [];
  for (const file of readdirSync(CORPUS).filter((f) => /^validation-.*-(valid|invalid)\.yaml$/.test(f)).sort()) {
    parseAllDocuments(readFileSync(path.join(CORPUS, file), 'utf8')).forEach((d, index) => {
      const doc = d.toJS() as Doc | null;
      if (doc && typeof doc.apiVersion === 'string' && KINDS.some((k) => k.kind === doc.kind && k.group === splitApiVersion(doc.apiVersion)[0])) out.push({ file, index, doc });
    });
  }
  return out;
}

const route = (host: string) => ({ hosts: [host], http: [{ route: [{ destination: { host } }] }] });
const vs = (spec: unknown, meta: Record<string, unknown> = {}): Doc => ({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'shipping', namespace: 'default', ...meta }, spec });

describe('reviewAdmission', () => {
  const docs = corpusDocuments();

  it('has corpus documents to review', () => {
    expect(docs.length).toBeGreaterThan(4);
  });

  it.each(docs.map((d) => [`${d.file}#${d.index}`, d.doc] as const))('decides %s as the API validation does, naming the fields when it denies', (_name, doc) => {
    const out = reviewAdmission(review(doc), endpointOf(doc));
    if (!out.ok) throw new Error(out.message);
    const expected = validateResource(doc, doc.metadata?.namespace ?? 'default');
    expect(out.review.response.uid).toBe('uid-1');
    expect(out.review.response.allowed).toBe(expected.ok);
    if (!expected.ok) {
      expect(out.review.response.status?.code).toBe(422);
      expect(out.review.response.status?.message).toContain(expected.errors[0]!.field);
      expect(out.review.response.status?.details?.causes.map((c) => c.field)).toEqual(expected.errors.map((e) => e.field));
    }
  });

  it('denies the corpus\' invalid VirtualService and DestinationRule with the field in the message', () => {
    for (const [file, field] of [
      ['validation-1.4-networking-v1alpha3-virtualservice-invalid.yaml', 'spec.hosts'],
      ['validation-1.4-networking-v1alpha3-destinationrule-invalid.yaml', 'spec.host'],
    ] as const) {
      const doc = docs.find((d) => d.file === file)!.doc;
      const out = reviewAdmission(review(doc), 'pilot');
      expect(out.ok && out.review.response).toMatchObject({ allowed: false, status: { code: 422, reason: 'Invalid', message: expect.stringContaining(field) } });
    }
  });

  it('ignores the metadata the API server manages, on CREATE and UPDATE', () => {
    const meta = { resourceVersion: '4711', uid: 'k8s-uid', generation: 3, creationTimestamp: '2024-01-01T00:00:00Z', managedFields: [{ manager: 'kubectl' }] };
    for (const operation of ['CREATE', 'UPDATE']) {
      const out = reviewAdmission(review(vs(route('a'), meta), { operation }), 'pilot');
      expect(out.ok && out.review.response).toEqual({ uid: 'uid-1', allowed: true });
    }
  });

  it('answers in the review version it was asked in (v1beta1 too)', () => {
    const out = reviewAdmission(review(vs(route('a')), { apiVersion: 'admission.k8s.io/v1beta1' }), 'pilot');
    expect(out.ok && out.review.apiVersion).toBe('admission.k8s.io/v1beta1');
  });

  it.each(['DELETE', 'CONNECT'])('allows %s whatever the object', (operation) => {
    const out = reviewAdmission(review(undefined, { operation }), 'pilot');
    expect(out.ok && out.review.response).toEqual({ uid: 'uid-1', allowed: true });
  });

  it('denies a kind sent to the wrong endpoint, naming the right one', () => {
    const out = reviewAdmission(review(vs(route('a'))), 'mixer');
    expect(out.ok && out.review.response.allowed).toBe(false);
    expect(out.ok && out.review.response.status?.message).toBe(
      'VirtualService.networking.istio.io is not validated by /admitmixer, which validates config.istio.io; send it to /admitpilot',
    );
  });

  it('denies a kind this Galley does not know', () => {
    const out = reviewAdmission(review(vs({}), { kind: { group: 'networking.istio.io', version: 'v1alpha3', kind: 'Unheard' } }), 'pilot');
    expect(out.ok && out.review.response.status?.message).toContain('unrecognized type Unheard');
  });

  it('denies an object whose kind differs from the review\'s', () => {
    const out = reviewAdmission(review(vs(route('a')), { kind: { group: 'networking.istio.io', version: 'v1alpha3', kind: 'DestinationRule' } }), 'pilot');
    expect(out.ok && out.review.response.allowed).toBe(false);
  });

  it.each([
    ['not a review', { hello: 'world' }],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }],
    ['no uid', { ...review(vs({})), request: { ...review(vs({})).request, uid: '' } }],
    ['no kind', { ...review(vs({})), request: { ...review(vs({})).request, kind: 'VirtualService' } }],
    ['bad operation', review(vs({}), { operation: 'PATCH' })],
    ['no object on CREATE', review(undefined)],
    ['an array', []],
  ])('refuses a malformed review (%s)', (_name, body) => {
    expect(reviewAdmission(body, 'pilot').ok).toBe(false);
  });
});
