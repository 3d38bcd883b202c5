/** Test helpers for Pilot and its clients: a real-wire ADS client, a fake Kubernetes API server, a config bucket writer. */
export { AdsTestClient } from './ads-test-client.js';
export type { ReceivedResponse } from './ads-test-client.js';
export { FakeKubeApi } from './fake-kube-api.js';
export { ConfigBucketWriter } from './config-writer.js';
