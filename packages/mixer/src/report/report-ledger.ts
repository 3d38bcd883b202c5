import type { AttrStringMap, AttrValue } from '@mesh/shared-api';

/** What one reported action is counted under. */
export interface ReportKey {
  /** `destination.service.host` (or the legacy `destination.service`), else "unknown". */
  destinationService: string;
  /** `destination.labels['version']`, else "unknown". */
  destinationVersion: string;
  /** `response.code` in decimal, else "unknown" (TCP connections have none). */
  responseCode: string;
  /** `context.reporter.kind` ("inbound" or "outbound"), else "unknown". */
  reporterKind: string;
}

const UNKNOWN = 'unknown';
/** The bucket for names past a ledger's bounds, so hostile or buggy input cannot grow it forever. */
export const OTHER = '(other)';

/** The counting key of one decoded bag. */
export function reportKeyOf(bag: ReadonlyMap<string, AttrValue>): ReportKey {
  const service = bag.get('destination.service.host') ?? bag.get('destination.service');
  const labels = bag.get('destination.labels');
  // A cheap shape test (this runs per reported action): only a string map has a string `version`.
  const version = typeof labels === 'object' && !(labels instanceof Uint8Array) && !(labels instanceof Date) && Object.hasOwn(labels, 'version') ? (labels as AttrStringMap)['version'] : undefined;
  const code = bag.get('response.code');
  const reporter = bag.get('context.reporter.kind');
  return {
    destinationService: typeof service === 'string' && service !== '' ? service : UNKNOWN,
    destinationVersion: typeof version === 'string' && version !== '' ? version : UNKNOWN,
    responseCode: typeof code === 'bigint' ? code.toString() : typeof code === 'number' && Number.isFinite(code) ? String(Math.trunc(code)) : UNKNOWN,
    reporterKind: typeof reporter === 'string' && reporter !== '' ? reporter : UNKNOWN,
  };
}

/** Counts for one destination service. */
export interface ServiceReportCounts {
  total: number;
  responseCodes: Record<string, number>;
  versions: Record<string, number>;
  reporters: Record<string, number>;
}

interface ServiceTally {
  total: number;
  responseCodes: Map<string, number>;
  versions: Map<string, number>;
  reporters: Map<string, number>;
}

/** The ledger as JSON (what `GET /debug/reports` returns). */
export interface ReportLedgerSnapshot {
  /** Report RPCs accepted. */
  reportRequests: number;
  /** Report RPCs refused as invalid (bad dictionary or malformed attributes). */
  rejectedRequests: number;
  /** Attribute bags received: one per reported action. */
  attributeSets: number;
  /** Attributes received, summed over every bag. */
  attributes: number;
  /** When the last accepted Report arrived (ISO 8601), if any. */
  lastReportAt: string | null;
  services: Record<string, ServiceReportCounts>;
}

/** Bounds of a {@link ReportLedger}. */
export interface ReportLedgerOptions {
  /** Distinct destination services tracked; later ones are counted under "(other)". */
  maxServices?: number;
  /** Distinct response codes / versions / reporter kinds tracked per service. */
  maxValuesPerService?: number;
  now?: () => Date;
}

/**
 * What Mixer has received through Report, counted in memory: totals, and per destination service
 * the response codes, versions and reporter kinds. Pure bookkeeping, no I/O; bounded in size.
 */
export class ReportLedger {
  private reportRequests = 0;
  private rejectedRequests = 0;
  private attributeSets = 0;
  private attributes = 0;
  private lastReportAt: Date | undefined;
  private readonly services = new Map<string, ServiceTally>();
  private readonly maxServices: number;
  private readonly maxValues: number;
  private readonly now: () => Date;

  constructor(options: ReportLedgerOptions = {}) {
    this.maxServices = options.maxServices ?? 1000;
    this.maxValues = options.maxValuesPerService ?? 100;
    this.now = options.now ?? (() => new Date());
  }

  /** Records one accepted Report request; returns each bag's key as counted, in order. */
  recordReport(bags: readonly ReadonlyMap<string, AttrValue>[]): ReportKey[] {
    this.reportRequests++;
    this.lastReportAt = this.now();
    return bags.map((bag) => this.recordBag(bag));
  }

  /** Records a refused Report request. */
  recordRejected(): void {
    this.rejectedRequests++;
  }

  /** A JSON-ready copy of the counts. */
  snapshot(): ReportLedgerSnapshot {
    const services: Record<string, ServiceReportCounts> = {};
    for (const name of [...this.services.keys()].sort()) {
      const s = this.services.get(name)!;
      // Object.fromEntries defines own properties, so a label such as "__proto__" stays data.
      services[name] = {
        total: s.total,
        responseCodes: Object.fromEntries(s.responseCodes),
        versions: Object.fromEntries(s.versions),
        reporters: Object.fromEntries(s.reporters),
      };
    }
    return {
      reportRequests: this.reportRequests,
      rejectedRequests: this.rejectedRequests,
      attributeSets: this.attributeSets,
      attributes: this.attributes,
      lastReportAt: this.lastReportAt?.toISOString() ?? null,
      services,
    };
  }

  /** Counts one bag; returns its key as counted (names past the bounds become "(other)"). */
  private recordBag(bag: ReadonlyMap<string, AttrValue>): ReportKey {
    this.attributeSets++;
    this.attributes += bag.size;
    const key = reportKeyOf(bag);
    let serviceName = key.destinationService;
    let service = this.services.get(serviceName);
    if (!service) {
      if (this.services.size >= this.maxServices) serviceName = OTHER;
      service = this.services.get(serviceName) ?? { total: 0, responseCodes: new Map(), versions: new Map(), reporters: new Map() };
      this.services.set(serviceName, service);
    }
    service.total++;
    return {
      destinationService: serviceName,
      responseCode: this.bump(service.responseCodes, key.responseCode),
      destinationVersion: this.bump(service.versions, key.destinationVersion),
      reporterKind: this.bump(service.reporters, key.reporterKind),
    };
  }

  private bump(counts: Map<string, number>, value: string): string {
    const slot = counts.has(value) || counts.size < this.maxValues ? value : OTHER;
    counts.set(slot, (counts.get(slot) ?? 0) + 1);
    return slot;
  }
}
