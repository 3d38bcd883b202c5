import type { JsonSchema } from '../common.js';
import { enumOf, listOf, message, str, stringList } from './message.js';
import { policyTargetReferenceSchema, workloadSelectorSchema } from './workload.js';

/** AuthorizationPolicy actions. */
export const AUTHZ_ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] as const;

const serviceAccounts: JsonSchema = listOf({ type: 'string', maxLength: 320 }, { maxItems: 16 });

const source = message({
  principals: stringList,
  notPrincipals: stringList,
  requestPrincipals: stringList,
  notRequestPrincipals: stringList,
  namespaces: stringList,
  notNamespaces: stringList,
  serviceAccounts,
  notServiceAccounts: serviceAccounts,
  ipBlocks: stringList,
  notIpBlocks: stringList,
  remoteIpBlocks: stringList,
  notRemoteIpBlocks: stringList,
  trustDomains: stringList,
  notTrustDomains: stringList,
});

const operation = message({
  hosts: stringList,
  notHosts: stringList,
  ports: stringList,
  notPorts: stringList,
  methods: stringList,
  notMethods: stringList,
  paths: stringList,
  notPaths: stringList,
});

const condition = message({ key: str, values: stringList, notValues: stringList }, { required: ['key'] });

const rule = message({
  from: listOf(message({ source }), { maxItems: 512 }),
  to: listOf(message({ operation })),
  when: listOf(condition),
});

/** Schema of `AuthorizationPolicy.spec` (security.istio.io v1beta1 and v1). */
export const authorizationPolicySpecSchema: JsonSchema = message({
  selector: workloadSelectorSchema,
  targetRef: policyTargetReferenceSchema,
  targetRefs: listOf(policyTargetReferenceSchema, { maxItems: 16 }),
  rules: listOf(rule, { maxItems: 512 }),
  action: enumOf(AUTHZ_ACTIONS),
  provider: message({ name: str }),
});
