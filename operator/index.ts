/**
 * The operator's public surface, for the `nanoclaw` CLI (the composition root):
 * - `nanoclaw start` (embedded): `syncManifestDir` once, then `watchManifestDir`.
 * - `nanoclaw operator` (Kubernetes): `runOperator`.
 * See docs/operator.md for flags, environment and behaviour.
 */
export {
  runOperator,
  type OperatorHandle,
  type OperatorOptions,
  type OperatorStats,
} from './k8s/operator.js';
export { syncManifestDir, type SyncOptions, type SyncResult } from './embedded/sync.js';
export { watchManifestDir, type ManifestWatcher, type WatchOptions } from './embedded/watch.js';
export type { ManifestError } from './embedded/load.js';
export { parseManifest, type FieldError, type ParsedManifest } from './api/v1alpha1/parse.js';
export { API_VERSION, GROUP, VERSION } from './api/v1alpha1/common.js';
