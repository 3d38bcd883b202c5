import { defaultPlan, freePlan, plannedPorts } from './plan.js';

describe('plans', () => {
  it.each([
    ['default', async () => defaultPlan()],
    ['free', freePlan],
  ])('the %s plan uses every port once', async (_name, make) => {
    const ports = plannedPorts(await make()).map(([p]) => p);
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.length).toBe(10 + 4 * 4);
  });

  it('keeps Istio 1.4 defaults for the control plane', () => {
    const p = defaultPlan();
    expect([p.galley.apiPort, p.pilot.xdsPort, p.pilot.xdsTlsPort, p.citadel.grpcPort, p.mixer.grpcPort]).toEqual([9901, 15010, 15011, 8060, 9091]);
    expect(p.workloads.map((w) => `${w.service}/${w.version}`)).toEqual(['booking-service/v1', 'inventory-service/v1', 'shipping-service/v1', 'shipping-service/v2']);
  });
});
