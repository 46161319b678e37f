/**
 * The prep completion rule an instructor sets on a prep space, and each learner's checklist
 * against it. Pure, so the rule is unit-tested on plain data and the service only gathers facts.
 */

export interface PrepRule {
  /** Require every prompt marked `required` to be answered (the default rule of issue 5). */
  requireRequiredPrompts: boolean;
  /** Optional: replies to other learners' posts needed as well; 0 means none. */
  minPeerReplies: number;
}

export const DEFAULT_PREP_RULE: PrepRule = { requireRequiredPrompts: true, minPeerReplies: 0 };

export interface PrepFacts {
  /** Required prompts of the space, in their display order. */
  requiredPrompts: { id: string; title: string }[];
  /** Prompt ids this learner has answered (before `at`). */
  answeredPromptIds: ReadonlySet<string>;
  /** Replies this learner wrote to posts by someone else. */
  peerReplies: number;
}

export type ChecklistItem =
  | { kind: 'prompt'; promptId: string; title: string; done: boolean }
  | { kind: 'peer_replies'; required: number; count: number; done: boolean };

export interface PrepStatus {
  items: ChecklistItem[];
  complete: boolean;
  /** Items done, out of `items.length`, for a "2 of 3" line. */
  doneCount: number;
}

export function prepStatus(rule: PrepRule, facts: PrepFacts): PrepStatus {
  const items: ChecklistItem[] = [];
  if (rule.requireRequiredPrompts) {
    for (const p of facts.requiredPrompts) items.push({ kind: 'prompt', promptId: p.id, title: p.title, done: facts.answeredPromptIds.has(p.id) });
  }
  if (rule.minPeerReplies > 0) {
    items.push({ kind: 'peer_replies', required: rule.minPeerReplies, count: facts.peerReplies, done: facts.peerReplies >= rule.minPeerReplies });
  }
  const doneCount = items.filter((i) => i.done).length;
  // A rule with nothing to do is not "complete": nothing was prepared, so no statement is due.
  return { items, complete: items.length > 0 && doneCount === items.length, doneCount };
}
