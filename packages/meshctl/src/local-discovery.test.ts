import { localSidecarAdmins, recogniseProcess } from './local-discovery.js';

describe('local discovery', () => {
  it('recognises sidecars and Pilot from their command line and environment, with the bins\' defaults', () => {
    expect(recogniseProcess(10, ['node', '/r/packages/sidecar/bin/mesh-sidecar.js'], { MESH_ADMIN_PORT: '15100', MESH_SIDECAR_PILOT_ADDRESS: '127.0.0.1:20000' })).toEqual({
      pid: 10,
      component: 'sidecar',
      adminPort: 15100,
      pilotAddress: '127.0.0.1:20000',
    });
    expect(recogniseProcess(11, ['node', 'node_modules/.bin/mesh-sidecar', '--admin-port=15200'], {})).toMatchObject({ adminPort: 15200, pilotAddress: '127.0.0.1:15010' });
    expect(recogniseProcess(12, ['node', '/r/packages/pilot/bin/mesh-pilot.js', '--xds-port', '20000'], { MESH_ADMIN_PORT: '31000' })).toEqual({ pid: 12, component: 'pilot', adminPort: 31000, xdsPort: 20000 });
    expect(recogniseProcess(13, ['node', 'server.js'], {})).toBeUndefined();
  });

  it('keeps the sidecars of the mesh whose Pilot it asked, leaving other meshes on the host out', () => {
    const procs = [
      { pid: 1, component: 'pilot' as const, adminPort: 15014, xdsPort: 15010 },
      { pid: 2, component: 'pilot' as const, adminPort: 31000, xdsPort: 20000 },
      { pid: 3, component: 'sidecar' as const, adminPort: 15000, pilotAddress: '127.0.0.1:15010' },
      { pid: 4, component: 'sidecar' as const, adminPort: 40000, pilotAddress: '127.0.0.1:20000' },
    ];
    expect(localSidecarAdmins(procs, 31000)).toEqual(['http://127.0.0.1:40000']);
    expect(localSidecarAdmins(procs, 15014)).toEqual(['http://127.0.0.1:15000']);
    expect(localSidecarAdmins(procs, 9999)).toEqual(['http://127.0.0.1:15000', 'http://127.0.0.1:40000']);
  });
});
