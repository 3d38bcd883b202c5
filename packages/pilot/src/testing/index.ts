/** Test helpers for Pilot and its clients: a real-wire ADS client. */
export { AdsTestClient } from './ads-test-client.js';
export type { ReceivedResponse } from './ads-test-client.js';
