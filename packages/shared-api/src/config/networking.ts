/**
 * TypeScript shapes of the networking.istio.io specs (field names exactly as Istio's YAML).
 * Only what the mesh reads is typed precisely; the JSON Schemas are the validation authority.
 */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface HttpMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  port?: number;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  queryParams?: Record<string, StringMatch>;
  ignoreUriCase?: boolean;
}

export interface PortSelector {
  number?: number;
}

export interface Destination {
  host: string;
  subset?: string;
  port?: PortSelector;
}

export interface HttpRouteDestination {
  destination: Destination;
  weight?: number;
}

export interface HttpRoute {
  name?: string;
  match?: HttpMatchRequest[];
  route?: HttpRouteDestination[];
  timeout?: string;
}

export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: HttpRoute[];
  tcp?: unknown[];
  tls?: unknown[];
  exportTo?: string[];
}

export interface Subset {
  name: string;
  labels?: Record<string, string>;
  trafficPolicy?: Record<string, unknown>;
}

export interface DestinationRuleSpec {
  host: string;
  trafficPolicy?: Record<string, unknown>;
  subsets?: Subset[];
  exportTo?: string[];
}
