import * as grpc from '@grpc/grpc-js';

/**
 * `grpc.health.v1.Health` (https://github.com/grpc/grpc/blob/master/doc/health-checking.md). The
 * two messages are one field each, so they are encoded here by hand instead of shipping the proto:
 * HealthCheckRequest { string service = 1; } and HealthCheckResponse { ServingStatus status = 1; }.
 */
export type ServingStatus = 'SERVING' | 'NOT_SERVING';

const STATUS_NUMBER = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;
type WireStatus = keyof typeof STATUS_NUMBER;

interface HealthCheckRequest {
  service: string;
}
interface HealthCheckResponse {
  status: WireStatus;
}

/** Health state per service name ('' is the server as a whole) and the Check/Watch handlers. */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<{ service: string; call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse> }>();

  constructor(services: readonly string[]) {
    for (const s of ['', ...services]) this.statuses.set(s, 'NOT_SERVING');
  }

  /** Sets every service's status and tells watchers. */
  setAll(status: ServingStatus): void {
    for (const s of this.statuses.keys()) this.statuses.set(s, status);
    for (const w of this.watchers) w.call.write({ status: this.statusOf(w.service) });
  }

  /** Ends every Watch stream (before the server shuts down, which would otherwise wait for them). */
  endWatches(): void {
    for (const w of this.watchers) w.call.end();
    this.watchers.clear();
  }

  /** Adds the service to a gRPC server. */
  addTo(server: grpc.Server): void {
    server.addService(HEALTH_SERVICE_DEFINITION, {
      Check: (call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, cb: grpc.sendUnaryData<HealthCheckResponse>) => {
        const status = this.statuses.get(call.request.service);
        if (status === undefined) cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        else cb(null, { status });
      },
      Watch: (call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const watcher = { service: call.request.service, call };
        this.watchers.add(watcher);
        call.on('cancelled', () => this.watchers.delete(watcher));
        call.write({ status: this.statusOf(watcher.service) });
      },
    });
  }

  private statusOf(service: string): WireStatus {
    return this.statuses.get(service) ?? 'SERVICE_UNKNOWN';
  }
}

function decodeRequest(buf: Buffer): HealthCheckRequest {
  let service = '';
  let i = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; i < buf.length && shift < 35; shift += 7) {
      const b = buf[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new Error('bad varint');
  };
  while (i < buf.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (tag >>> 3 === 1) service = buf.subarray(i, i + len).toString('utf8');
      i += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return { service };
}

function encodeRequest(r: HealthCheckRequest): Buffer {
  if (!r.service) return Buffer.alloc(0);
  const bytes = Buffer.from(r.service, 'utf8');
  const len: number[] = [];
  for (let n = bytes.length; ; n = Math.floor(n / 128)) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...len]), bytes]);
}

function encodeResponse(r: HealthCheckResponse): Buffer {
  const n = STATUS_NUMBER[r.status];
  return n === 0 ? Buffer.alloc(0) : Buffer.from([0x08, n]);
}

function method(name: string, responseStream: boolean): grpc.MethodDefinition<HealthCheckRequest, HealthCheckResponse> {
  return {
    path: `/grpc.health.v1.Health/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: encodeRequest,
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: (b: Buffer) => ({ status: (Object.keys(STATUS_NUMBER) as WireStatus[])[b[1] ?? 0] ?? 'UNKNOWN' }),
  };
}

/** The service definition, usable by a client (`makeGenericClientConstructor`) as well. */
export const HEALTH_SERVICE_DEFINITION: grpc.ServiceDefinition = {
  Check: method('Check', false),
  Watch: method('Watch', true),
};
