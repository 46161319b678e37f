import type { Knex } from 'knex';

// Refused launches, for the admin area: when and why, and which platform/deployment they claimed.
// Never the id_token, never personal data: ids and a reason code, plus a short detail written by
// us. Bounded by pruning (launch-refusal-store.ts keeps 30 days and at most N rows per platform).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('launch_refusals', (t) => {
    t.string('id', 36).primary();
    t.bigInteger('at').notNullable();
    // Set only when the login state named a platform we know; no FK so a removed platform's
    // refusals age out with the rest instead of blocking or vanishing with it.
    t.string('platform_id', 36).nullable();
    t.string('issuer', 256).nullable();
    t.string('client_id', 256).nullable();
    t.string('deployment_id', 256).nullable();
    t.string('reason', 64).notNullable();
    t.string('detail', 300).nullable();
    t.index(['platform_id', 'at'], 'launch_refusals_platform_at_idx');
    t.index(['at'], 'launch_refusals_at_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('launch_refusals');
}
