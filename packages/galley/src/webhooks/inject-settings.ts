import { DEFAULT_INJECTION_SETTINGS } from '@mesh/injector';
import type { InjectionSettings } from '@mesh/injector';
import type { GalleySettings } from '../config.js';

/** `none` switches an optional address off (an empty environment variable counts as unset). */
const optional = (address: string): string => (address === 'none' ? '' : address);

/** The injector's settings from Galley's `MESH_GALLEY_INJECT_*` settings (the rest: the injector's defaults). */
export function injectionSettingsFrom(settings: GalleySettings): InjectionSettings {
  return Object.freeze({
    ...DEFAULT_INJECTION_SETTINGS,
    sidecarImage: settings.injectSidecarImage,
    initImage: settings.injectInitImage,
    pilotAddress: settings.injectPilotAddress,
    citadelAddress: optional(settings.injectCitadelAddress),
    mixerAddress: optional(settings.injectMixerAddress),
    trustDomain: settings.injectTrustDomain,
    proxyUid: settings.injectProxyUid,
    holdApplicationUntilProxyStarts: settings.injectHoldApplication,
  });
}
