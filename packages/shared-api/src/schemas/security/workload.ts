import type { JsonSchema } from '../common.js';
import { mapOf, message, str } from './message.js';

/** `istio.type.v1beta1.WorkloadSelector`: the workloads (pods/VMs) a policy applies to, by label. */
export const workloadSelectorSchema: JsonSchema = message({
  matchLabels: mapOf({ type: 'string', maxLength: 63 }, { maxProperties: 4096 }),
});

/** `istio.type.v1beta1.PolicyTargetReference`: the resource (a Service, ServiceEntry or Gateway) a policy attaches to. */
export const policyTargetReferenceSchema: JsonSchema = message(
  {
    group: {
      type: 'string',
      maxLength: 253,
      pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
      errorMessage: 'must be "" (the core group) or a DNS-1123 subdomain such as gateway.networking.k8s.io',
    },
    kind: {
      type: 'string',
      minLength: 1,
      maxLength: 63,
      pattern: '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$',
      errorMessage: 'must be a kind name such as Service or Gateway (letters, digits and "-")',
    },
    name: { type: 'string', minLength: 1, maxLength: 253, errorMessage: 'must be a name of at most 253 characters' },
    namespace: str,
  },
  { required: ['kind', 'name'] },
);
