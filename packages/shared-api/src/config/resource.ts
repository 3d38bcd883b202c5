/** Kubernetes-style object metadata as Galley stores and serves it. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** The JetStream KV revision of the stored object, as a decimal string (Kubernetes convention). */
  resourceVersion?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
}

/** A stored configuration object of any kind; `spec` is validated per kind. */
export interface ConfigResource<S = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: S;
}

/** What a consumer of the config stream sees for one change. */
export type ConfigEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change to the stored config, as published on {@link CONFIG_EVENTS_SUBJECT}. */
export interface ConfigEvent {
  type: ConfigEventType;
  /** The KV key of the object (see `configKey`). */
  key: string;
  /** The KV revision of this change. */
  revision: number;
  /** The object after the change (before it, for DELETED). */
  object: ConfigResource;
}
