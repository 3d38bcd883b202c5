import type { Percent } from '../../model/networking-specs.js';
import type { XdsResource } from '../resources.js';

/**
 * Istio's percentages as Envoy FractionalPercent
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/v3/percent.proto): a double percentage
 * becomes parts per million (`value × 10000`), 1.4's integer `percent` likewise.
 */
export function percentToFraction(p: Percent | undefined, legacyPercent: number | undefined): XdsResource {
  if (p?.value !== undefined) return { numerator: Math.round(p.value * 10000), denominator: 'MILLION' };
  return { numerator: Math.round((legacyPercent ?? 100) * 10000), denominator: 'MILLION' };
}
