import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { NatsServerProcess } from './nats-server.js';

describe('NatsServerProcess', () => {
  it('starts a JetStream server whose KV survives a restart, and stops it', async () => {
    const server = await NatsServerProcess.start();
    try {
      let nc = await connect({ servers: server.url });
      let kv = await new Kvm(nc).create('t');
      await kv.put('a', 'one');
      await nc.close();
      await server.restart();
      nc = await connect({ servers: server.url });
      kv = await new Kvm(nc).open('t');
      expect((await kv.get('a'))?.string()).toBe('one');
      await nc.close();
    } finally {
      await server.stop();
    }
    expect(server.pid).toBeUndefined();
  });
});
