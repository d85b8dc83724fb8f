/**
 * Unicode emoji → the reaction names Slack's reactions.add takes. Slack has no Unicode form for reactions, so only
 * the emoji listed here can be added; anything else is refused with an error naming the emoji (never sent as-is).
 * Lookup ignores the emoji variation selector (U+FE0F), so `❤` and `❤️` are the same.
 */
const NAMES: Record<string, string> = {
  '👍': 'thumbsup',
  '👎': 'thumbsdown',
  '✅': 'white_check_mark',
  '✔': 'heavy_check_mark',
  '❌': 'x',
  '👀': 'eyes',
  '❤': 'heart',
  '🎉': 'tada',
  '😄': 'smile',
  '😀': 'grinning',
  '😂': 'joy',
  '🙂': 'slightly_smiling_face',
  '😉': 'wink',
  '😢': 'cry',
  '😮': 'open_mouth',
  '🤔': 'thinking_face',
  '🚀': 'rocket',
  '🙏': 'pray',
  '👋': 'wave',
  '👏': 'clap',
  '🙌': 'raised_hands',
  '💯': '100',
  '🔥': 'fire',
  '⭐': 'star',
  '✨': 'sparkles',
  '⚠': 'warning',
  '❗': 'exclamation',
  '❓': 'question',
  '💡': 'bulb',
  '📝': 'memo',
  '📌': 'pushpin',
  '🔒': 'lock',
  '⏳': 'hourglass_flowing_sand',
  '⌛': 'hourglass',
  '🐛': 'bug',
  '🛠': 'hammer_and_wrench',
  '🤖': 'robot_face',
  '👌': 'ok_hand',
  '💪': 'muscle',
  '🆗': 'ok',
};

export function slackReactionName(emoji: string): string {
  const name = NAMES[emoji.replace(/\uFE0F/g, '').trim()];
  if (!name)
    throw new Error(
      `Slack reactions take names, and "${emoji}" is not one of the emoji this adapter maps (${Object.keys(NAMES).join(' ')})`,
    );
  return name;
}
