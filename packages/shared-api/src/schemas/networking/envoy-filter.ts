import { int32, policyTargetReference, port, protoEnum, str, stringMap, strList, struct, uint32, workloadSelector } from './common.js';

const filterMatch = {
  type: 'object',
  additionalProperties: false,
  properties: { name: str, subFilter: { type: 'object', additionalProperties: false, properties: { name: str } } },
} as const;

/** `EnvoyFilter.EnvoyConfigObjectMatch`: which generated object a patch applies to. */
const objectMatch = {
  type: 'object',
  additionalProperties: false,
  properties: {
    context: protoEnum('ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY', 'WAYPOINT'),
    proxy: { type: 'object', additionalProperties: false, properties: { proxyVersion: str, metadata: stringMap } },
    listener: {
      type: 'object',
      additionalProperties: false,
      properties: {
        portNumber: uint32,
        portName: str,
        filterChain: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: str,
            sni: str,
            transportProtocol: str,
            applicationProtocols: str,
            filter: filterMatch,
            destinationPort: uint32,
          },
        },
        listenerFilter: str,
        name: str,
      },
    },
    routeConfiguration: {
      type: 'object',
      additionalProperties: false,
      properties: {
        portNumber: uint32,
        portName: str,
        gateway: str,
        vhost: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: str,
            domainName: str,
            route: { type: 'object', additionalProperties: false, properties: { name: str, action: protoEnum('ANY', 'ROUTE', 'REDIRECT', 'DIRECT_RESPONSE') } },
          },
        },
        name: str,
      },
    },
    cluster: { type: 'object', additionalProperties: false, properties: { portNumber: uint32, service: str, subset: str, name: str } },
    waypoint: {
      type: 'object',
      additionalProperties: false,
      properties: { filter: filterMatch, route: { type: 'object', additionalProperties: false, properties: { name: str } }, portNumber: port },
    },
  },
} as const;

/** `EnvoyFilter.EnvoyConfigObjectPatch`. */
export const configPatchSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    applyTo: protoEnum(
      'INVALID',
      'LISTENER',
      'FILTER_CHAIN',
      'NETWORK_FILTER',
      'HTTP_FILTER',
      'ROUTE_CONFIGURATION',
      'VIRTUAL_HOST',
      'HTTP_ROUTE',
      'CLUSTER',
      'EXTENSION_CONFIG',
      'BOOTSTRAP',
      'LISTENER_FILTER',
    ),
    match: objectMatch,
    patch: {
      type: 'object',
      additionalProperties: false,
      properties: {
        operation: protoEnum('INVALID', 'MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE', 'MERGE_AND_REPLACE_LIST'),
        value: struct,
        filterClass: protoEnum('UNSPECIFIED', 'AUTHN', 'AUTHZ', 'STATS'),
      },
    },
  },
} as const;

/** 1.4's deprecated `EnvoyFilter.Filter` (replaced by configPatches). */
export const legacyFilterSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    listenerMatch: {
      type: 'object',
      additionalProperties: false,
      properties: {
        portNumber: uint32,
        portNamePrefix: str,
        listenerType: protoEnum('ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY'),
        listenerProtocol: protoEnum('ALL', 'HTTP', 'TCP'),
        address: strList,
      },
    },
    insertPosition: {
      type: 'object',
      additionalProperties: false,
      properties: { index: protoEnum('FIRST', 'LAST', 'BEFORE', 'AFTER'), relativeTo: str },
    },
    filterType: protoEnum('INVALID', 'HTTP', 'NETWORK'),
    filterName: str,
    filterConfig: struct,
  },
} as const;

/** Schema of `EnvoyFilter.spec` (networking.istio.io/v1alpha3), with 1.4's workloadLabels and filters. */
export const envoyFilterSpecSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    workloadSelector,
    targetRefs: { type: 'array', items: policyTargetReference },
    configPatches: { type: 'array', items: configPatchSchema },
    priority: int32,
    workloadLabels: stringMap,
    filters: { type: 'array', items: legacyFilterSchema },
  },
} as const;
