import type { JsonSchema } from '../common.js';
import { int32, listOf, message, protoEnum, str, stringList, stringMap } from './message.js';

// rbac.istio.io/v1alpha1 (Istio 1.4): jsonpb-decoded, so proto (snake_case) names are accepted too.
const proto = { protoNames: true } as const;

/** `AccessRule`: what a ServiceRole permits. */
export const accessRuleSchema: JsonSchema = message(
  {
    services: stringList,
    hosts: stringList,
    notHosts: stringList,
    paths: stringList,
    notPaths: stringList,
    methods: stringList,
    notMethods: stringList,
    ports: listOf(int32),
    notPorts: listOf(int32),
    constraints: listOf(message({ key: str, values: stringList }, proto)),
  },
  proto,
);

/** Schema of `ServiceRole.spec`. */
export const serviceRoleSpecSchema: JsonSchema = message({ rules: listOf(accessRuleSchema) }, proto);

const subject = message(
  {
    user: str,
    group: str,
    properties: stringMap,
    names: stringList,
    notNames: stringList,
    groups: stringList,
    notGroups: stringList,
    namespaces: stringList,
    notNamespaces: stringList,
    ips: stringList,
    notIps: stringList,
  },
  proto,
);

/** RBAC enforcement modes (ServiceRoleBinding.mode, RbacConfig.enforcementMode). */
export const ENFORCEMENT_MODES = ['ENFORCED', 'PERMISSIVE'] as const;

/** Schema of `ServiceRoleBinding.spec`. */
export const serviceRoleBindingSpecSchema: JsonSchema = message(
  {
    subjects: listOf(subject),
    roleRef: message({ kind: str, name: str }, proto),
    mode: protoEnum(ENFORCEMENT_MODES),
    actions: listOf(accessRuleSchema),
    role: str,
  },
  proto,
);

/** RbacConfig modes. */
export const RBAC_MODES = ['OFF', 'ON', 'ON_WITH_INCLUSION', 'ON_WITH_EXCLUSION'] as const;

const target = message({ services: stringList, namespaces: stringList }, proto);

/** Schema of `RbacConfig.spec` and `ClusterRbacConfig.spec`. */
export const rbacConfigSpecSchema: JsonSchema = message(
  { mode: protoEnum(RBAC_MODES), inclusion: target, exclusion: target, enforcementMode: protoEnum(ENFORCEMENT_MODES) },
  proto,
);
