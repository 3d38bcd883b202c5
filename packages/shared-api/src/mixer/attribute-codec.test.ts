import type { ServiceDefinition } from '@grpc/proto-loader';
import { loadMixerPackageDefinition } from '../proto/index.js';
import { decodeAttributes, durationOf, encodeAttributes, timestampOf } from './attribute-codec.js';
import type { AttrValue } from './attribute-value.js';
import { AttrDuration, attrKindOf, attrValuesEqual, durationMs } from './attribute-value.js';
import { GLOBAL_DICTIONARY, GLOBAL_DICTIONARY_BASE_SIZE, GLOBAL_WORDS, GlobalDictionary } from './global-words.js';
import type { CheckRequestMessage, CompressedAttributesMessage } from './messages.js';

const sample: Record<string, AttrValue> = {
  'destination.service.host': 'shipping.default.svc.cluster.local',
  'source.uid': 'kubernetes://booking-1.default',
  'request.path': '/api/v1/booking',
  'request.method': 'GET',
  'response.code': 200n,
  'request.size': 9007199254740993n, // beyond 2^53: must survive exactly
  'custom.ratio': 0.25,
  'connection.mtls': true,
  'destination.ip': Buffer.from([10, 0, 0, 7]),
  'request.time': new Date('2024-05-01T12:00:00.123Z'),
  'response.duration': durationMs(12.5),
  'request.headers': { ':authority': 'shipping', 'x-request-id': 'abc-123', 'x-custom': 'not a global word' },
};

/** Wire round trip through the real CheckRequest (de)serializer, as grpc-js would do it. */
function throughWire(attributes: CompressedAttributesMessage): CompressedAttributesMessage {
  const check = (loadMixerPackageDefinition()['istio.mixer.v1.Mixer'] as ServiceDefinition)['Check']!;
  const request: CheckRequestMessage = { attributes, global_word_count: GLOBAL_DICTIONARY.size };
  return (check.requestDeserialize(check.requestSerialize(request)) as CheckRequestMessage).attributes!;
}

describe('GLOBAL_WORDS', () => {
  it('is Istio 1.4 global dictionary, in its order', () => {
    expect(GLOBAL_WORDS).toHaveLength(202);
    expect(new Set(GLOBAL_WORDS).size).toBe(GLOBAL_WORDS.length);
    expect(GLOBAL_WORDS.slice(0, 3)).toEqual(['source.ip', 'source.port', 'source.name']);
    expect(GLOBAL_WORDS[30]).toBe('response.code');
    expect(GLOBAL_WORDS[GLOBAL_DICTIONARY_BASE_SIZE - 1]).toBe('text/plain; charset=utf-8');
    expect(GLOBAL_WORDS.indexOf('destination.service.host')).toBe(193);
    expect(GLOBAL_WORDS[201]).toBe('context.reporter.kind');
  });

  it('looks words up only inside a truncated prefix', () => {
    const base = GLOBAL_DICTIONARY.truncated(GLOBAL_DICTIONARY_BASE_SIZE);
    expect(base.indexOf('request.path')).toBe(17);
    expect(base.indexOf('destination.service.host')).toBeUndefined();
    expect(base.wordAt(111)).toBeUndefined();
    expect(() => new GlobalDictionary(GLOBAL_WORDS, 500)).toThrow(RangeError);
  });
});

describe('encodeAttributes / decodeAttributes', () => {
  it('round-trips every value type through the wire', () => {
    const wire = throughWire(encodeAttributes(sample));
    const result = decodeAttributes(wire, GLOBAL_DICTIONARY.size);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.bag.keys()].sort()).toEqual(Object.keys(sample).sort());
    for (const [name, value] of Object.entries(sample)) {
      expect({ name, equal: attrValuesEqual(result.bag.get(name)!, value) }).toEqual({ name, equal: true });
      expect(attrKindOf(result.bag.get(name))).toBe(attrKindOf(value));
    }
    expect(result.bag.get('request.size')).toBe(9007199254740993n);
    expect(result.bag.get('response.duration')).toEqual(new AttrDuration(12.5));
  });

  it('uses global indexes for known words and negative indexes for the rest', () => {
    const msg = encodeAttributes({ 'request.path': '/custom/path', 'my.attr': 'GET' });
    expect(msg.words).toEqual(['/custom/path', 'my.attr']);
    expect(msg.strings).toEqual({ '17': -1, '-2': GLOBAL_WORDS.indexOf('GET') });
  });

  it('indexes string map keys and values the same way', () => {
    const msg = encodeAttributes({ 'request.headers': { 'content-type': 'application/json', 'x-mine': 'v' } });
    const headers = GLOBAL_WORDS.indexOf('request.headers');
    expect(msg.string_maps![String(headers)]!.entries).toEqual({
      [String(GLOBAL_WORDS.indexOf('content-type'))]: GLOBAL_WORDS.indexOf('application/json'),
      '-1': -2,
    });
    expect(msg.words).toEqual(['x-mine', 'v']);
  });

  it('only uses global words the given dictionary has', () => {
    const msg = encodeAttributes({ 'destination.service.host': 'a' }, GLOBAL_DICTIONARY.truncated(GLOBAL_DICTIONARY_BASE_SIZE));
    expect(msg.words).toEqual(['destination.service.host', 'a']);
    const decoded = decodeAttributes(msg, GLOBAL_DICTIONARY_BASE_SIZE);
    expect(decoded.ok && decoded.bag.get('destination.service.host')).toBe('a');
  });

  it('skips undefined entries and refuses values that are not attributes', () => {
    expect(encodeAttributes({ 'request.path': undefined }).strings).toBeUndefined();
    expect(() => encodeAttributes({ bad: { nested: 1 } } as unknown as Record<string, AttrValue>)).toThrow(/"bad"/);
    expect(() => encodeAttributes({ big: 2n ** 64n })).toThrow(/"big"/);
  });

  it.each([
    ['a global index past the sender dictionary', { strings: { '150': 0 } }, 100, /word index 150 is not defined/],
    ['a negative index past the message words', { words: ['x'], strings: { '-1': -2 } }, 202, /word index -2 is not defined/],
    ['a name in two typed maps', { strings: { '17': 17 }, int64s: { '17': '1' } }, 202, /"request.path" appears twice/],
    ['a string map key outside the dictionaries', { string_maps: { '15': { entries: { '-9': 0 } } } }, 202, /word index -9/],
    ['an int64 that is not an integer', { int64s: { '23': 'ten' } }, 202, /int64 attribute "request.size"/],
    ['a larger global dictionary than ours', {}, 203, /request uses 203 global words, this Mixer knows 202/],
  ])('refuses %s', (_what, message, count, error) => {
    const result = decodeAttributes(message as CompressedAttributesMessage, count);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(error) });
  });
});

describe('timestamps and durations', () => {
  it.each([
    [0, { seconds: '0', nanos: 0 }],
    [1500.25, { seconds: '1', nanos: 500250000 }],
    [-1500, { seconds: '-1', nanos: -500000000 }],
    [999.9999996, { seconds: '1', nanos: 0 }],
  ])('encodes %p ms as a Duration', (ms, wire) => {
    expect(durationOf(ms)).toEqual(wire);
  });

  it('encodes dates before 1970 with non-negative nanos', () => {
    expect(timestampOf(new Date(-1))).toEqual({ seconds: '-1', nanos: 999000000 });
  });
});
