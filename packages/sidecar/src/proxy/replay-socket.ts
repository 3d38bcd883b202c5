import { Duplex } from 'node:stream';

/**
 * A stream over a socket that first replays bytes already read from it. Node's HTTP/2 sessions
 * and TLS sockets read a socket's handle directly, so bytes read for inspection (the HTTP/2
 * preface, a TLS ClientHello) would be lost: they get this wrapper instead, which relays the
 * socket in JavaScript with backpressure.
 */
export function replaySocket(socket: Duplex, first: Buffer): Duplex {
  const wrapper = new Duplex({
    allowHalfOpen: true,
    read: () => socket.resume(),
    write: (chunk: Buffer, _enc, cb) => socket.write(chunk, cb),
    final: (cb) => {
      socket.end();
      cb();
    },
    destroy: (err, cb) => {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  if (first.length > 0) wrapper.push(first);
  socket.on('data', (c: Buffer) => {
    if (!wrapper.push(c)) socket.pause();
  });
  socket.on('end', () => wrapper.push(null));
  socket.on('close', () => wrapper.destroy());
  socket.on('error', (err) => wrapper.destroy(err));
  socket.resume();
  return wrapper;
}
