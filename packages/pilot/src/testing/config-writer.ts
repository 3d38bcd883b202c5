import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONFIG_BUCKET, configKey } from '@mesh/shared-api';
import { PILOT_KINDS } from '../model/kinds.js';
import type { PilotKind } from '../model/kinds.js';

/**
 * Writes config objects into the config bucket the way Galley stores them (key layout:
 * `configKey`; value: the object as JSON), for tests that drive Pilot without Galley.
 */
export class ConfigBucketWriter {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
  ) {}

  /** Connects to NATS and opens (creating if needed) the config bucket. */
  static async connect(natsUrl: string): Promise<ConfigBucketWriter> {
    const nc = await connect({ servers: natsUrl });
    const kv = await new Kvm(nc).create(CONFIG_BUCKET, { history: 5 });
    return new ConfigBucketWriter(nc, kv);
  }

  /** Stores (creates or replaces) an object of a kind Pilot reads; returns its KV revision. */
  async put(kind: PilotKind, namespace: string, name: string, spec: object): Promise<number> {
    const info = PILOT_KINDS.find((k) => k.kind === kind)!;
    const apiVersion = `${info.group}/${info.group === 'networking.istio.io' ? 'v1alpha3' : info.group === 'security.istio.io' ? 'v1beta1' : 'v1alpha1'}`;
    const object = { apiVersion, kind, metadata: { name, ...(kind === 'MeshPolicy' ? {} : { namespace }) }, spec };
    return this.kv.put(configKey({ ...info, namespaced: kind !== 'MeshPolicy' }, namespace, name), JSON.stringify(object));
  }

  /** Deletes an object. */
  async delete(kind: PilotKind, namespace: string, name: string): Promise<void> {
    const info = PILOT_KINDS.find((k) => k.kind === kind)!;
    await this.kv.delete(configKey({ ...info, namespaced: kind !== 'MeshPolicy' }, namespace, name));
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.nc.close();
  }
}
