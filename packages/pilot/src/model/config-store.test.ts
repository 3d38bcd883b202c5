import type { ConfigResource } from '@mesh/shared-api';
import { MemoryConfigStore } from './config-store.js';

const vs = (name: string, created: string): ConfigResource => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default', creationTimestamp: created }, spec: { hosts: [name] } });

describe('MemoryConfigStore', () => {
  it('lists objects oldest first and notifies each change', () => {
    const store = new MemoryConfigStore();
    const changes: string[][] = [];
    store.onChange((c) => changes.push(c.keys));
    store.put('VirtualService', { key: 'k2', revision: 2, resource: vs('newer', '2024-02-01T00:00:00Z') });
    store.put('VirtualService', { key: 'k1', revision: 3, resource: vs('older', '2024-01-01T00:00:00Z') });
    expect(store.list('VirtualService').map((v) => v.metadata.name)).toEqual(['older', 'newer']);
    expect(store.list('DestinationRule')).toEqual([]);
    expect(changes).toEqual([['k2'], ['k1']]);
  });

  it('ignores a revision older than the one stored', () => {
    const store = new MemoryConfigStore();
    store.put('VirtualService', { key: 'k', revision: 5, resource: vs('five', '') });
    store.put('VirtualService', { key: 'k', revision: 4, resource: vs('four', '') });
    expect(store.list('VirtualService').map((v) => v.metadata.name)).toEqual(['five']);
  });

  it('replaces everything on a reload, reporting added, changed and removed keys once', () => {
    const store = new MemoryConfigStore();
    store.put('VirtualService', { key: 'gone', revision: 1, resource: vs('gone', '') });
    store.put('VirtualService', { key: 'same', revision: 2, resource: vs('same', '') });
    const changes: string[][] = [];
    store.onChange((c) => changes.push(c.keys));
    store.replaceAll(
      new Map([
        ['same', { key: 'same', revision: 2, resource: vs('same', ''), kind: 'VirtualService' as const }],
        ['new', { key: 'new', revision: 7, resource: vs('new', ''), kind: 'VirtualService' as const }],
      ]),
    );
    expect(changes).toEqual([['gone', 'new']]);
    expect(store.list('VirtualService').map((v) => v.metadata.name).sort()).toEqual(['new', 'same']);
    expect(store.delete('new')).toBe(true);
    expect(store.delete('new')).toBe(false);
    expect(changes).toEqual([['gone', 'new'], ['new']]);
  });
});
