/** Test helpers for packages that exercise Galley in-process (e2e, meshctl). */
export { ConfigEventLog } from './config-event-log.js';
export { createTestGalley } from './test-galley.js';
export type { TestGalley, TestGalleyOptions } from './test-galley.js';
export { istioCorpusDir, readCorpusDocuments } from './istio-corpus.js';
export { sampleDestinationRule, sampleVirtualService } from './sample-objects.js';
export { FakeKubeApi } from './fake-kube-api.js';
