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
import * as discussionOrderIndexes from './20261130000610_discussion_order_indexes.js';

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
  ['20261130000610_discussion_order_indexes', discussionOrderIndexes],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, m]) => m,
};
