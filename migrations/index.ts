import type { Knex } from 'knex';
import * as toolKeys from './20261126000100_tool_keys.js';
import * as platforms from './20261126000200_platforms.js';
import * as deployments from './20261126000300_deployments.js';
import * as loginStates from './20261126000400_login_states.js';
import * as launchEntities from './20261126000500_users_contexts_links.js';
import * as sessions from './20261126000600_sessions.js';
import * as spaces from './20261126000700_spaces.js';
import * as threads from './20261127000100_threads.js';
import * as posts from './20261127000200_posts.js';
import * as postRevisions from './20261127000300_post_revisions.js';
import * as xapiOutbox from './20261127090000_xapi_outbox.js';
import * as embeddedLrs from './20261128000100_embedded_lrs.js';
import * as postReactions from './20261129000100_post_reactions.js';
import * as spaceSettings from './20261130000110_space_settings.js';
import * as prompts from './20261130000120_prompts.js';
import * as spacePseudonyms from './20261130000130_space_pseudonyms.js';
import * as postFlags from './20261130000210_post_flags.js';
import * as writeRateIndexes from './20261130000220_write_rate_indexes.js';
import * as spaceTags from './20261130000230_space_tags.js';
import * as notifications from './20261130000310_notifications.js';
import * as readMarks from './20261130000320_read_marks.js';
import * as searchIndex from './20261130000410_search_index.js';
import * as searchBackfill from './20261130000420_search_backfill.js';
import * as discussionOrderIndexes from './20261130000610_discussion_order_indexes.js';
import * as roster from './20261130000710_roster.js';
import * as journey from './20261130001210_journey.js';
import * as expertProfiles from './20261130001310_expert_profiles.js';
import * as participationGrading from './20261130001410_participation_grading.js';
import * as lrsDocuments from './20261130400100_lrs_documents.js';
import * as lrsAttachments from './20261130400200_lrs_attachments.js';
import * as lrsVerbStoredIdx from './20261130400300_lrs_statements_verb_stored_idx.js';
import * as xapiOutboxClaimIdx from './20261130500100_xapi_outbox_claim_order_idx.js';
import * as lrsTargets from './20261130500200_lrs_targets.js';
import * as analyticsIndexes from './20261201000100_analytics_indexes.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are listed here rather than discovered on disk, so the same list runs under tsx
 * (dev, tests) and from compiled JavaScript (npm start) without a file-extension dance.
 * Append only; never edit or reorder a migration that has landed.
 */
const migrations: Array<[string, Migration]> = [
  ['20261126000100_tool_keys', toolKeys],
  ['20261126000200_platforms', platforms],
  ['20261126000300_deployments', deployments],
  ['20261126000400_login_states', loginStates],
  ['20261126000500_users_contexts_links', launchEntities],
  ['20261126000600_sessions', sessions],
  ['20261126000700_spaces', spaces],
  ['20261127000100_threads', threads],
  ['20261127000200_posts', posts],
  ['20261127000300_post_revisions', postRevisions],
  ['20261127090000_xapi_outbox', xapiOutbox],
  ['20261128000100_embedded_lrs', embeddedLrs],
  ['20261129000100_post_reactions', postReactions],
  ['20261130000110_space_settings', spaceSettings],
  ['20261130000120_prompts', prompts],
  ['20261130000130_space_pseudonyms', spacePseudonyms],
  ['20261130000210_post_flags', postFlags],
  ['20261130000220_write_rate_indexes', writeRateIndexes],
  ['20261130000230_space_tags', spaceTags],
  ['20261130000310_notifications', notifications],
  ['20261130000320_read_marks', readMarks],
  ['20261130000410_search_index', searchIndex],
  ['20261130000420_search_backfill', searchBackfill],
  ['20261130000610_discussion_order_indexes', discussionOrderIndexes],
  ['20261130000710_roster', roster],
  ['20261130001210_journey', journey],
  ['20261130001310_expert_profiles', expertProfiles],
  ['20261130001410_participation_grading', participationGrading],
  ['20261130400100_lrs_documents', lrsDocuments],
  ['20261130400200_lrs_attachments', lrsAttachments],
  ['20261130400300_lrs_statements_verb_stored_idx', lrsVerbStoredIdx],
  ['20261130500100_xapi_outbox_claim_order_idx', xapiOutboxClaimIdx],
  ['20261130500200_lrs_targets', lrsTargets],
  ['20261201000100_analytics_indexes', analyticsIndexes],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, m]) => m,
};
