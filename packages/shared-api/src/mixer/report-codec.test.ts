import type { ServiceDefinition } from '@grpc/proto-loader';
import { loadMixerPackageDefinition } from '../proto/index.js';
import type { AttributeRecord } from './attribute-vocabulary.js';
import { durationMs } from './attribute-value.js';
import { GLOBAL_DICTIONARY, GLOBAL_WORDS } from './global-words.js';
import type { ReportRequestMessage } from './messages.js';
import { decodeReportRequest, encodeReportRequest } from './report-codec.js';

function throughWire(request: ReportRequestMessage): ReportRequestMessage {
  const report = (loadMixerPackageDefinition()['istio.mixer.v1.Mixer'] as ServiceDefinition)['Report']!;
  return report.requestDeserialize(report.requestSerialize(request)) as ReportRequestMessage;
}

const base: AttributeRecord = {
  'destination.service.host': 'shipping.default.svc.cluster.local',
  'destination.labels': { app: 'shipping', version: 'v1' },
  'context.reporter.kind': 'inbound',
  'request.path': '/ship',
  'response.code': 200n,
  'response.duration': durationMs(3),
};

describe('encodeReportRequest / decodeReportRequest', () => {
  it('sends only what changed under delta encoding and rebuilds every bag', () => {
    const bags: AttributeRecord[] = [
      base,
      { ...base, 'response.code': 503n, 'response.duration': durationMs(7) },
      { ...base, 'response.code': 503n, 'response.duration': durationMs(7), 'request.path': '/ship/again' },
      { ...base, 'destination.labels': { app: 'shipping', version: 'v2' }, 'x-custom': 'one' },
    ];
    const request = encodeReportRequest(bags);
    expect(request.repeated_attributes_semantics).toBe('DELTA_ENCODING');
    expect(request.global_word_count).toBe(GLOBAL_WORDS.length);
    expect(Object.keys(request.attributes![1]!.int64s!)).toEqual([String(GLOBAL_WORDS.indexOf('response.code'))]);
    expect(request.attributes![1]!.strings).toBeUndefined();
    expect(Object.keys(request.attributes![2]!.strings!)).toEqual([String(GLOBAL_WORDS.indexOf('request.path'))]);
    // The message words are shared by the whole request, not repeated per bag.
    expect(request.default_words).toEqual(expect.arrayContaining(['shipping.default.svc.cluster.local', '/ship', 'x-custom', 'one']));
    expect(request.attributes!.every((a) => a.words === undefined)).toBe(true);

    const decoded = decodeReportRequest(throughWire(request));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.semantics).toBe('DELTA_ENCODING');
    expect(decoded.bags.map((b) => b.get('response.code'))).toEqual([200n, 503n, 503n, 200n]);
    expect(decoded.bags.map((b) => b.get('request.path'))).toEqual(['/ship', '/ship', '/ship/again', '/ship']);
    expect(decoded.bags[3]!.get('destination.labels')).toEqual({ app: 'shipping', version: 'v2' });
    expect(decoded.bags[3]!.get('x-custom')).toBe('one');
    expect(decoded.bags[2]!.has('x-custom')).toBe(false);
  });

  it('falls back to independent encoding when a bag drops an attribute', () => {
    const { 'request.path': _dropped, ...withoutPath } = base;
    const request = encodeReportRequest([base, withoutPath]);
    expect(request.repeated_attributes_semantics).toBe('INDEPENDENT_ENCODING');
    const decoded = decodeReportRequest(throughWire(request));
    expect(decoded.ok && decoded.bags[1]!.has('request.path')).toBe(false);
    expect(decoded.ok && decoded.bags[1]!.get('response.code')).toBe(200n);
  });

  it('decodes delta requests from other clients, with per-bag words overriding default words', () => {
    const path = String(GLOBAL_WORDS.indexOf('request.path'));
    const code = String(GLOBAL_WORDS.indexOf('response.code'));
    const request: ReportRequestMessage = {
      global_word_count: 150,
      default_words: ['/default'],
      repeated_attributes_semantics: 0,
      attributes: [{ strings: { [path]: -1 }, int64s: { [code]: 200 } }, { words: ['/own'], strings: { [path]: -1 } }, { int64s: { [code]: '404' } }],
    };
    const decoded = decodeReportRequest(throughWire(request));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.bags.map((b) => [b.get('request.path'), b.get('response.code')])).toEqual([
      ['/default', 200n],
      ['/own', 200n],
      ['/own', 404n],
    ]);
  });

  it('refuses a request whose dictionary is larger than ours, naming both sizes', () => {
    const decoded = decodeReportRequest({ global_word_count: GLOBAL_DICTIONARY.size + 5, attributes: [] });
    expect(decoded).toEqual({ ok: false, reason: 'dictionary', error: expect.stringContaining(`207 global words, this Mixer knows 202`) });
  });

  it('refuses the whole request when one bag has a bad index, naming the bag', () => {
    const request = encodeReportRequest([base, { ...base, 'response.code': 404n }]);
    request.attributes![1]!.strings = { '-99': 0 };
    const decoded = decodeReportRequest(throughWire(request));
    expect(decoded).toEqual({ ok: false, reason: 'malformed', error: expect.stringMatching(/^attributes\[1\]: word index -99/) });
  });

  it('encodes an empty batch as an empty request', () => {
    const decoded = decodeReportRequest(throughWire(encodeReportRequest([])));
    expect(decoded).toEqual({ ok: true, bags: [], semantics: 'DELTA_ENCODING' });
  });
});
