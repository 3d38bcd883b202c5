import type { AnalysisMessage } from '../messages.js';
import type { MeshView } from '../mesh-view.js';

/** One check over a whole snapshot. Pure: the same view always yields the same messages. */
export interface Analyzer {
  /** Istio-style name (`virtualservice.DestinationRuleAnalyzer`). */
  readonly name: string;
  /** What it reports, for `--help`-style listings. */
  readonly description: string;
  /** True when it reads the inventory: it is skipped while no inventory source has answered. */
  readonly needsInventory: boolean;
  analyze(view: MeshView): AnalysisMessage[];
}
