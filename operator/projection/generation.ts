/**
 * Which generation to stamp on projected rows. From the API server it is metadata.generation. In the embedded
 * mode there is none, so it is derived statelessly: keep the stored generation while the projected content is
 * unchanged, bump it by one when the content changes (or another uid owned the rows before).
 */
export function targetGeneration(
  ref: { uid: string; generation: number | null },
  stored: { source_uid: string | null; source_generation: number | null } | undefined,
  sameContent: boolean,
): number {
  if (ref.generation !== null) return ref.generation;
  const previous = stored?.source_generation ?? 0;
  return sameContent && stored?.source_uid === ref.uid ? previous : previous + 1;
}
