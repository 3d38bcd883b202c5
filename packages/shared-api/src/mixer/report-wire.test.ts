import { AttrDuration, durationMs } from './attribute-value.js';
import type { AttributeRecord } from './attribute-vocabulary.js';
import { GLOBAL_DICTIONARY, GlobalDictionary } from './global-words.js';
import type { ReportRequestMessage } from './messages.js';
import { decodeReportRequest, encodeReportRequest } from './report-codec.js';
import { decodeReportRequestWire } from './report-wire.js';
import { GrpcServices, loadMixerPackageDefinition } from '../proto/index.js';

const serialize = (loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as { Report: { requestSerialize: (m: ReportRequestMessage) => Buffer } }).Report.requestSerialize;

const BAGS: AttributeRecord[] = [
  {
    'source.labels': { app: 'booking', version: 'v1', 'custom-key': 'custom value' },
    'request.path': '/api/v1/booking?item=widget',
    'request.size': 0n,
    'response.code': 200n,
    'response.size': -42n,
    'destination.port': 9_007_199_254_740_993n,
    'context.time': new Date('2026-01-02T03:04:05.678Z'),
    'response.duration': durationMs(12.5),
    'source.ip': Uint8Array.from([10, 0, 0, 1]),
    'connection.mtls': true,
    'x.custom.double': 0.25,
    'x.custom.false': false,
  },
  {
    'source.labels': { app: 'booking', version: 'v2' },
    'request.path': '/other',
    'request.size': 0n,
    'response.code': 503n,
    'response.size': -42n,
    'destination.port': 80n,
    'context.time': new Date('2026-01-02T03:04:06Z'),
    'response.duration': durationMs(0),
    'source.ip': Uint8Array.from([10, 0, 0, 2]),
    'connection.mtls': false,
    'x.custom.double': 0,
    'x.custom.false': false,
  },
  { 'request.path': '/independent' },
];

describe('decodeReportRequestWire', () => {
  it.each(['DELTA_ENCODING', 'INDEPENDENT_ENCODING'] as const)('decodes what decodeReportRequest decodes (%s)', (semantics) => {
    const bags = semantics === 'DELTA_ENCODING' ? BAGS.slice(0, 2) : BAGS;
    const message = encodeReportRequest(bags, { semantics });
    const bytes = serialize(message);
    const reference = decodeReportRequest((loadMixerPackageDefinition()[GrpcServices.mixer] as unknown as { Report: { requestDeserialize: (b: Buffer) => ReportRequestMessage } }).Report.requestDeserialize(bytes));
    const wire = decodeReportRequestWire(bytes);
    expect(wire).toEqual(reference);
    expect(wire.ok && wire.bags[0]!.get('response.duration')).toEqual(new AttrDuration(12.5));
    expect(wire.ok && wire.bags[0]!.get('destination.port')).toBe(9_007_199_254_740_993n);
    expect(wire.ok && wire.bags[0]!.get('response.size')).toBe(-42n);
  });

  it('refuses a dictionary larger than its own, and word indexes outside both dictionaries', () => {
    const bytes = serialize(encodeReportRequest(BAGS.slice(0, 1)));
    expect(decodeReportRequestWire(bytes, new GlobalDictionary(GLOBAL_DICTIONARY.words, 10))).toMatchObject({ ok: false, reason: 'dictionary' });
    const bad = serialize({ attributes: [{ strings: { '-5': 3 } }], global_word_count: GLOBAL_DICTIONARY.size });
    expect(decodeReportRequestWire(bad)).toEqual({ ok: false, reason: 'malformed', error: expect.stringMatching(/^attributes\[0\]: word index -5 is not defined/) });
  });

  it('refuses truncated bytes and an attribute in two typed maps', () => {
    const bytes = serialize(encodeReportRequest(BAGS.slice(0, 1)));
    expect(decodeReportRequestWire(bytes.subarray(0, bytes.length - 3))).toMatchObject({ ok: false, reason: 'malformed' });
    const twice = serialize({ attributes: [{ strings: { '0': 1 }, bools: { '0': true } }], global_word_count: GLOBAL_DICTIONARY.size });
    expect(decodeReportRequestWire(twice)).toEqual({ ok: false, reason: 'malformed', error: expect.stringMatching(/appears twice \(in strings and in bools\)/) });
  });
});
