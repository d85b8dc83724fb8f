/**
 * Question cards as Discord message components: one button per option, five to an action row.
 *
 * Invariants: a button's custom_id is `q:<questionId>:<option index>` (at most 100 characters, else the card is
 * refused); a click reports the option's position, which the host maps to the value recorded with the card.
 * Labels are cut to Discord's 80 characters.
 */
const BUTTONS_PER_ROW = 5;
const MAX_ROWS = 5;
const MAX_CUSTOM_ID = 100;
const MAX_LABEL = 80;
const BUTTON_PRIMARY = 1;

export interface ButtonRow {
  type: 1;
  components: { type: 2; style: number; label: string; custom_id: string }[];
}

export function questionRows(questionId: string, options: { label: string }[]): ButtonRow[] {
  if (options.length > BUTTONS_PER_ROW * MAX_ROWS)
    throw new Error(`question ${questionId} has ${options.length} options; Discord shows at most 25 buttons`);
  const buttons = options.map((o, i) => {
    const customId = `q:${questionId}:${i}`;
    if (customId.length > MAX_CUSTOM_ID)
      throw new Error(`question id ${questionId} is too long for a Discord button (custom_id ≤ 100)`);
    const label = o.label.length > MAX_LABEL ? `${o.label.slice(0, MAX_LABEL - 1)}…` : o.label;
    return { type: 2 as const, style: BUTTON_PRIMARY, label: label || `${i + 1}`, custom_id: customId };
  });
  const rows: ButtonRow[] = [];
  for (let i = 0; i < buttons.length; i += BUTTONS_PER_ROW)
    rows.push({ type: 1, components: buttons.slice(i, i + BUTTONS_PER_ROW) });
  return rows;
}

export function parseQuestionButton(customId: string): { questionId: string; index: number } | null {
  const m = /^q:(.+):(\d{1,2})$/.exec(customId);
  return m ? { questionId: m[1]!, index: Number(m[2]) } : null;
}
