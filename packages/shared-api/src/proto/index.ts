import path from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import type { PackageDefinition } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS, xdsProtoIncludeDirs } from '../xds/protos.js';

/** Directory holding the protos written in this package (Citadel's and Mixer's APIs). */
export function meshProtoDir(): string {
  return path.join(__dirname, '..', '..', 'proto');
}

function load(file: string): PackageDefinition {
  return loadSync(file, { ...PROTO_LOADER_OPTIONS, includeDirs: [meshProtoDir(), ...xdsProtoIncludeDirs()] });
}

/** `istio.v1.auth.IstioCertificateService` (Citadel). */
export function loadCitadelPackageDefinition(): PackageDefinition {
  return load('istio/v1/auth/ca.proto');
}

/** `istio.mixer.v1.Mixer` (Check and Report). */
export function loadMixerPackageDefinition(): PackageDefinition {
  return load('mixer/v1/service.proto');
}

/** gRPC method paths, for clients and servers that address them directly. */
export const GrpcServices = {
  citadel: 'istio.v1.auth.IstioCertificateService',
  mixer: 'istio.mixer.v1.Mixer',
  ads: 'envoy.service.discovery.v3.AggregatedDiscoveryService',
} as const;
