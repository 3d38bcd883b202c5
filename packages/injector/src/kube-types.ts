/**
 * The slices of Kubernetes objects the injector reads and writes (core/v1 names and shapes). Fields
 * it does not know are carried through untouched, so these are open records.
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface ContainerPort {
  containerPort: number;
  name?: string;
  protocol?: string;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
  [key: string]: unknown;
}

export interface Volume {
  name: string;
  [key: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  securityContext?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A Pod, or the `template` of a workload (Deployment, StatefulSet, Job ...). */
export interface PodTemplate {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

/** Any Kubernetes object, as parsed from YAML or JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}
