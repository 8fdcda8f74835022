import type { KnownBlock } from '@slack/types';
import { BLOCK_KIT_LIMITS } from './slack-message.builder';

const KNOWN_TYPES = new Set(['header', 'section', 'divider', 'actions', 'context', 'image', 'input', 'rich_text']);

/** The Block Kit rules Slack enforces on chat.postMessage / chat.update, as a list of problems. */
export function blockKitProblems(payload: { text?: unknown; blocks?: unknown }): string[] {
  const problems: string[] = [];
  if (typeof payload.text !== 'string' || payload.text.length === 0) problems.push('text: fallback text is required');
  if (!Array.isArray(payload.blocks)) return [...problems, 'blocks: must be an array'];
  const blocks = payload.blocks as KnownBlock[];
  if (blocks.length > BLOCK_KIT_LIMITS.blocks) problems.push(`blocks: ${blocks.length} > ${BLOCK_KIT_LIMITS.blocks}`);
  blocks.forEach((block, i) => {
    const where = `blocks[${i}]`;
    if (!KNOWN_TYPES.has(block.type)) problems.push(`${where}: unknown type ${String(block.type)}`);
    switch (block.type) {
      case 'header':
        if (block.text.type !== 'plain_text') problems.push(`${where}: header text must be plain_text`);
        if (block.text.text.length > BLOCK_KIT_LIMITS.headerText) problems.push(`${where}: header text too long`);
        break;
      case 'section':
        if (!block.text && !block.fields) problems.push(`${where}: section needs text or fields`);
        if (block.text && block.text.text.length > BLOCK_KIT_LIMITS.sectionText)
          problems.push(`${where}: text too long`);
        if (block.fields && block.fields.length > BLOCK_KIT_LIMITS.fields) problems.push(`${where}: too many fields`);
        block.fields?.forEach((f, j) => {
          if (f.text.length > BLOCK_KIT_LIMITS.fieldText) problems.push(`${where}.fields[${j}]: too long`);
        });
        break;
      case 'actions':
        if (block.elements.length > 25) problems.push(`${where}: too many elements`);
        block.elements.forEach((el, j) => {
          if (el.type !== 'button') return;
          if (el.text.text.length > BLOCK_KIT_LIMITS.buttonText)
            problems.push(`${where}.elements[${j}]: button text too long`);
          if ((el.value ?? '').length > BLOCK_KIT_LIMITS.actionValue)
            problems.push(`${where}.elements[${j}]: value too long`);
          if (!el.action_id) problems.push(`${where}.elements[${j}]: action_id required`);
        });
        break;
      case 'context':
        if (block.elements.length === 0 || block.elements.length > 10) problems.push(`${where}: 1-10 elements`);
        break;
      default:
        break;
    }
  });
  return problems;
}
