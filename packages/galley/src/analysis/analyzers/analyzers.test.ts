import { parseAllDocuments } from 'yaml';
import { readCorpusDocuments } from '../../testing/istio-corpus.js';
import { analysisInput } from '../analysis-input.js';
import { analyze } from '../analyze.js';
import type { AnalysisSnapshot } from '../snapshot.js';
import { mergeInventories } from '../snapshot.js';
import type { Analyzer } from './analyzer.js';
import { conflictingMeshHostsAnalyzer } from './conflicting-mesh-hosts.js';
import { destinationHostAnalyzer } from './destination-hosts.js';
import { destinationSubsetAnalyzer } from './destination-subsets.js';
import { gatewayReferenceAnalyzer } from './gateway-references.js';
import { gatewayWorkloadAnalyzer } from './gateway-workloads.js';
import { schemaValidationAnalyzer } from './schema-validation.js';
import { subsetWorkloadAnalyzer } from './subset-workloads.js';

/** The default ingress gateway of an Istio install (Istio's analyzer tests add the same to their inputs). */
const INGRESS_GATEWAY = `
apiVersion: v1
kind: Pod
metadata: { name: istio-ingressgateway-5c6d7f-abcde, namespace: istio-system, labels: { app: istio-ingressgateway, istio: ingressgateway } }
---
apiVersion: v1
kind: Service
metadata: { name: istio-ingressgateway, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  ports: [{ name: http2, port: 80, targetPort: 8080 }, { name: https, port: 443, targetPort: 8443 }]
`;

function yamlDocs(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

/** A snapshot as `istioctl analyze -f <files>` would see it: config and inventory from the same documents. */
function snapshotOf(docs: unknown[]): AnalysisSnapshot {
  const input = analysisInput(docs, 'default', 'cluster.local');
  return { config: input.resources, inventory: input.inventory, domainSuffix: 'cluster.local' };
}

/** `[code, resource, field]` of each message one analyzer reports. */
function findings(analyzer: Analyzer, snapshot: AnalysisSnapshot): string[][] {
  return analyze(snapshot, { analyzers: [analyzer] }).map((m) => [m.code, m.resource, m.field]);
}

describe('analyzers on the Istio 1.4 analyzer corpus', () => {
  it.each<[string, Analyzer, unknown[], string[][]]>([
    [
      'virtualservice-destinationrules',
      destinationSubsetAnalyzer,
      [],
      [
        ['IST0101', 'VirtualService default/reviews-bogussubset', 'spec.http[0].route[0].destination.subset'],
        ['IST0101', 'VirtualService default/reviews-mirror-bogussubset', 'spec.http[0].mirror.subset'],
      ],
    ],
    [
      'virtualservice-destinationhosts',
      destinationHostAnalyzer,
      [],
      [
        ['IST0112', 'VirtualService default/reviews-2port-missing', 'spec.http[0].route[0].destination'],
        ['IST0101', 'VirtualService default/reviews-bogushost', 'spec.http[0].route[0].destination.host'],
        ['IST0101', 'VirtualService default/reviews-bogusport', 'spec.http[0].route[0].destination.port.number'],
        ['IST0101', 'VirtualService default/reviews-bookinfo-other', 'spec.http[0].route[0].destination.host'],
        ['IST0101', 'VirtualService default/reviews-mirror-bogushost', 'spec.http[0].mirror.host'],
      ],
    ],
    ['virtualservice-gateways', gatewayReferenceAnalyzer, [], [['IST0101', 'VirtualService default/httpbin-bogus', 'spec.gateways[0]']]],
    [
      'virtualservice-conflictingmeshgatewayhosts',
      conflictingMeshHostsAnalyzer,
      [],
      [
        ['IST0109', 'VirtualService bar/ratings', 'spec.hosts[0]'],
        // google.com: bar/ratings (exported everywhere) and team2/ratings (exportTo ".") both apply to
        // team2's sidecars. Istio 1.4 keys private VirtualServices by namespace and misses this one.
        ['IST0109', 'VirtualService bar/ratings', 'spec.hosts[1]'],
        ['IST0109', 'VirtualService foo/bogus-productpage', 'spec.hosts[0]'],
        ['IST0109', 'VirtualService foo/productpage', 'spec.hosts[0]'],
        ['IST0109', 'VirtualService foo/ratings', 'spec.hosts[0]'],
        ['IST0109', 'VirtualService team2/ratings', 'spec.hosts[1]'],
        ['IST0109', 'VirtualService team3/ratings', 'spec.hosts[0]'],
        ['IST0109', 'VirtualService team4/ratings', 'spec.hosts[0]'],
      ],
    ],
    ['gateway-no-workload', gatewayWorkloadAnalyzer, yamlDocs(INGRESS_GATEWAY), [['IST0101', 'Gateway default/httpbin-gateway', 'spec.selector']]],
    ['gateway-correct-port', gatewayWorkloadAnalyzer, yamlDocs(INGRESS_GATEWAY), []],
    ['gateway-no-port', gatewayWorkloadAnalyzer, yamlDocs(INGRESS_GATEWAY), [['IST0104', 'Gateway default/httpbin-gateway', 'spec.servers[1].port.number']]],
    ['gateway-custom-ingressgateway', gatewayWorkloadAnalyzer, yamlDocs(INGRESS_GATEWAY), []],
    ['gateway-custom-ingressgateway-badport', gatewayWorkloadAnalyzer, yamlDocs(INGRESS_GATEWAY), [['IST0104', 'Gateway default/httpbin-gateway', 'spec.servers[0].port.number']]],
    ['gateway-custom-ingressgateway-svcselector', gatewayWorkloadAnalyzer, [], [['IST0104', 'Gateway default/httpbin8002-gateway', 'spec.servers[0].port.number']]],
  ])('analyzer-1.4-%s.yaml: reports exactly the broken objects', (file, analyzer, extra, expected) => {
    expect(findings(analyzer, snapshotOf([...readCorpusDocuments(`analyzer-1.4-${file}.yaml`), ...extra]))).toEqual(expected);
  });

  it('says what is wrong and what to do, naming the resource and the field', () => {
    const [subset] = analyze(snapshotOf(readCorpusDocuments('analyzer-1.4-virtualservice-destinationrules.yaml')), { analyzers: [destinationSubsetAnalyzer] });
    expect(subset).toEqual({
      code: 'IST0101',
      name: 'ReferencedResourceNotFound',
      level: 'Error',
      resource: 'VirtualService default/reviews-bogussubset',
      origin: { kind: 'VirtualService', namespace: 'default', name: 'reviews-bogussubset' },
      field: 'spec.http[0].route[0].destination.subset',
      message: expect.stringContaining('Referenced host+subset in destinationrule not found: "reviews+bogus". The DestinationRule for host reviews.default.svc.cluster.local (default/reviews) defines only v1'),
    });
    const [conflict] = analyze(snapshotOf(readCorpusDocuments('analyzer-1.4-virtualservice-conflictingmeshgatewayhosts.yaml')), { analyzers: [conflictingMeshHostsAnalyzer] });
    expect(conflict!.message).toMatch(/^The VirtualServices bar\/ratings, foo\/ratings associated with mesh gateway define the same host ratings\.foo\.svc\.cluster\.local.*merge them/);
  });
});

describe('subsetWorkloadAnalyzer', () => {
  const dr = `
apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }, { name: all }]
`;
  const service = 'apiVersion: v1\nkind: Service\nmetadata: { name: reviews, namespace: default }\nspec: { selector: { app: reviews }, ports: [{ port: 9080 }] }\n';
  const pod = (version: string, ns = 'default') => `---\napiVersion: v1\nkind: Pod\nmetadata: { name: reviews-${version}, namespace: ${ns}, labels: { app: reviews, version: ${version} } }\n`;

  it.each([
    ['every subset has a workload', service + pod('v1') + pod('v2'), []],
    ['v2 has no workload', service + pod('v1') + pod('v3'), [['IST0127', 'DestinationRule default/reviews', 'spec.subsets[1].labels']]],
    ['the matching pod is in another namespace than the service', service + pod('v1') + pod('v2', 'other'), [['IST0127', 'DestinationRule default/reviews', 'spec.subsets[1].labels']]],
    [
      'the service has no workloads',
      service,
      [
        ['IST0127', 'DestinationRule default/reviews', 'spec.subsets[0].labels'],
        ['IST0127', 'DestinationRule default/reviews', 'spec.subsets[1].labels'],
      ],
    ],
    ['the host is unknown (not judged)', pod('v3'), []],
  ])('when %s', (_what, inventory, expected) => {
    expect(findings(subsetWorkloadAnalyzer, snapshotOf(yamlDocs(dr + '---\n' + inventory)))).toEqual(expected);
  });

  it('matches workloads that list the service, as Pilot publishes them, and ServiceEntry endpoints', () => {
    const base = snapshotOf(yamlDocs(dr));
    const pilot = mergeInventories([
      {
        available: true,
        services: [{ hostname: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default', ports: [], source: 'workload-registration' }],
        workloads: [{ name: 'reviews-v1', namespace: 'default', labels: { version: 'v1' }, addresses: [], services: ['reviews.default.svc.cluster.local'], source: 'workload-registration' }],
      },
    ]);
    expect(findings(subsetWorkloadAnalyzer, { ...base, inventory: pilot })).toEqual([['IST0127', 'DestinationRule default/reviews', 'spec.subsets[1].labels']]);

    const se = snapshotOf(
      yamlDocs(
        dr.replace('host: reviews', 'host: reviews.example.com') +
          '---\napiVersion: networking.istio.io/v1alpha3\nkind: ServiceEntry\nmetadata: { name: ext }\nspec: { hosts: [reviews.example.com], resolution: STATIC, endpoints: [{ address: 10.0.0.1, labels: { version: v2 } }] }\n',
      ),
    );
    const [m] = analyze(se, { analyzers: [subsetWorkloadAnalyzer] });
    expect([m!.field, m!.message]).toEqual(['spec.subsets[0].labels', expect.stringContaining('the workloads of reviews.example.com carry {version=v2}')]);
  });
});

describe('schemaValidationAnalyzer', () => {
  it('reports every violated rule of config Galley would refuse, at its field', () => {
    const docs = yamlDocs(`
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: bad }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subst: v1 }, weight: 190 }] }]
`);
    expect(findings(schemaValidationAnalyzer, snapshotOf(docs))).toEqual([
      ['IST0106', 'VirtualService default/bad', 'spec.http[0].route[0].destination.subst'],
      ['IST0106', 'VirtualService default/bad', 'spec.http[0].route[0].weight'],
    ]);
  });
});
