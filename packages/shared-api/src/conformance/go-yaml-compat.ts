/**
 * Reads YAML the way Istio's Go YAML decoder does where it differs from YAML 1.2, for the corpus.
 *
 * One difference matters in the corpus: inside a flow sequence, go-yaml ends a plain scalar at `:`
 * only when a space follows, so `[1.2.3.4, 001:db8::]` holds the string "001:db8::" (an IPv6
 * address), while YAML 1.2 reads `001:db8:` as a mapping key. This quotes such scalars first.
 */
const FLOW_SCALAR_ENDING_IN_COLON = /([[,]\s*)([^\s[\]{},'"#&*!|>%@`][^[\]{},'"#\n]*?:)(?=\s*[\],])/g;

/** `text` with plain scalars that end in `:` inside flow sequences quoted, as go-yaml reads them. */
export function quoteGoYamlFlowScalars(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.includes('[') ? line.replace(FLOW_SCALAR_ENDING_IN_COLON, (_m, pre: string, scalar: string) => `${pre}${JSON.stringify(scalar)}`) : line))
    .join('\n');
}
