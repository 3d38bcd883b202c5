/**
 * Mixer's global dictionary: the deployment-wide word list that CompressedAttributes indexes with
 * non-negative numbers. It is Istio 1.4's list (istio.io/api mixer/v1/global_dictionary.yaml, as
 * compiled into Mixer's `attribute.GlobalList()` and the proxy's global dictionary), in the same
 * order: a word's position is its wire index, so the order must never change. The list is
 * append-only; a client and a server agree on a prefix of it through `global_word_count`.
 */
export const GLOBAL_WORDS: readonly string[] = Object.freeze([
  // Istio's standard attribute vocabulary (target.* was renamed destination.*; words are never removed)
  'source.ip', 'source.port', 'source.name', 'source.uid', 'source.namespace', 'source.labels',
  'source.user', 'target.ip', 'target.port', 'target.service', 'target.name', 'target.uid',
  'target.namespace', 'target.labels', 'target.user', 'request.headers', 'request.id', 'request.path',
  'request.host', 'request.method', 'request.reason', 'request.referer', 'request.scheme', 'request.size',
  'request.time', 'request.useragent', 'response.headers', 'response.size', 'response.time',
  'response.duration', 'response.code',
  // HTTP header names (RFC 7541 appendix A)
  ':authority', ':method', ':path', ':scheme', ':status', 'access-control-allow-origin',
  'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age',
  'access-control-request-method', 'access-control-request-headers', 'accept-charset', 'accept-encoding',
  'accept-language', 'accept-ranges', 'accept', 'access-control-allow', 'age', 'allow', 'authorization',
  'cache-control', 'content-disposition', 'content-encoding', 'content-language', 'content-length',
  'content-location', 'content-range', 'content-type', 'cookie', 'date', 'etag', 'expect', 'expires', 'from',
  'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'keep-alive',
  'last-modified', 'link', 'location', 'max-forwards', 'proxy-authenticate', 'proxy-authorization', 'range',
  'referer', 'refresh', 'retry-after', 'server', 'set-cookie', 'strict-transport-sec', 'transfer-encoding',
  'user-agent', 'vary', 'via', 'www-authenticate',
  // HTTP methods and common values
  'GET', 'POST', 'http', 'envoy', "'200'", 'Keep-Alive', 'chunked', 'x-envoy-service-time',
  'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-http-method-override', 'x-request-id',
  'x-requested-with', 'application/json', 'application/xml', 'gzip', 'text/html', 'text/html; charset=utf-8',
  'text/plain', 'text/plain; charset=utf-8',
  // index 111 onwards: past GLOBAL_DICTIONARY_BASE_SIZE; common values
  "'0'", "'1'", 'true', 'false', 'gzip, deflate', 'max-age=0', 'x-envoy-upstream-service-time',
  'x-envoy-internal', 'x-envoy-expected-rq-timeout-ms', 'x-ot-span-context', 'x-b3-traceid', 'x-b3-sampled',
  'x-b3-spanid', 'tcp',
  // connection and context attributes
  'connection.id', 'connection.received.bytes', 'connection.received.bytes_total', 'connection.sent.bytes',
  'connection.sent.bytes_total', 'connection.duration', 'context.protocol', 'context.timestamp',
  'context.time',
  // common status codes, as strings
  '0', '1', '200', '302', '400', '401', '403', '404', '409', '429', '499', '500', '501', '502', '503', '504',
  // destination.*, api.*, auth, workload, service and reporter attributes
  'destination.ip', 'destination.port', 'destination.service', 'destination.name', 'destination.uid',
  'destination.namespace', 'destination.labels', 'destination.user', 'source.service', 'api.service',
  'api.version', 'api.operation', 'api.protocol', 'request.auth.principal', 'request.auth.audiences',
  'request.auth.presenter', 'request.api_key', 'check.error_code', 'check.error_message',
  'request.total_size', 'response.total_size', 'connection.event', 'check.cache_hit', 'quota.cache_hit',
  'source.principal', 'request.auth.claims', 'request.auth.raw_claims', 'connection.mtls', 'source.metadata',
  'source.owner', 'source.services', 'source.workload.uid', 'source.workload.name',
  'source.workload.namespace', 'destination.metadata', 'destination.owner', 'destination.principal',
  'destination.workload.uid', 'destination.workload.name', 'destination.workload.namespace',
  'destination.service.uid', 'destination.service.name', 'destination.service.namespace',
  'destination.service.host', 'destination.container.name', 'destination.container.image',
  'context.reporter.local', 'context.reporter.uid', 'response.grpc_status', 'response.grpc_message',
  'context.reporter.type', 'context.reporter.kind',
]);

/**
 * The size of the first published version of the list. Istio's proxy falls back to this prefix when
 * a Mixer rejects its dictionary, so it is the size every Mixer is known to understand.
 */
export const GLOBAL_DICTIONARY_BASE_SIZE = 111;

/** A prefix of {@link GLOBAL_WORDS} with a word → index lookup (built once, shared). */
export class GlobalDictionary {
  private readonly byWord = new Map<string, number>();

  /** Uses the first `size` words of `words` (all of them by default). */
  constructor(
    readonly words: readonly string[] = GLOBAL_WORDS,
    readonly size: number = words.length,
  ) {
    if (!Number.isInteger(size) || size < 0 || size > words.length) throw new RangeError(`global dictionary size ${size} is outside 0..${words.length}`);
    for (let i = 0; i < size; i++) this.byWord.set(words[i]!, i);
  }

  /** The wire index of a word, or undefined when the word is not in this dictionary. */
  indexOf(word: string): number | undefined {
    return this.byWord.get(word);
  }

  /** The word at a non-negative wire index, or undefined when the index is past this dictionary. */
  wordAt(index: number): string | undefined {
    return index >= 0 && index < this.size ? this.words[index] : undefined;
  }

  /** The same list cut to its first `size` words (to talk to a Mixer that knows fewer). */
  truncated(size: number): GlobalDictionary {
    return size === this.size ? this : new GlobalDictionary(this.words, size);
  }
}

/** The full dictionary this build of the mesh speaks. */
export const GLOBAL_DICTIONARY = new GlobalDictionary();
