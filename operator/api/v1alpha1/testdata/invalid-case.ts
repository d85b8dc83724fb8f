/** One invalid manifest and the one field the API server and the embedded loader must name in their error. */
export interface InvalidCase {
  name: string;
  manifest: Record<string, unknown>;
  field: string;
}
