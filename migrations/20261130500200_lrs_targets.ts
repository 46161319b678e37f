import type { Knex } from 'knex';

// LRSs statements are delivered to besides the default one (XAPI_LRS_ENDPOINT, or the embedded
// LRS when that is unset), added with `npm run lrs -- add`. A target serves every platform
// (platform_id null) or one platform, whose statements then go to its own targets instead of the
// defaults. The basic-auth password is stored as given: this database already holds the tool's
// private signing keys, so whoever can read it can already act as the tool.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lrs_targets', (t) => {
    // Also the outbox's lrs_id for this target.
    t.string('id', 36).primary();
    t.string('name', 64).notNullable().unique();
    t.text('endpoint').notNullable();
    t.string('username', 255).nullable();
    t.text('password').nullable();
    t.string('platform_id', 36).nullable().references('platforms.id').onDelete('CASCADE');
    // 'disabled': statements are still queued for it, but not sent until it is enabled again.
    t.string('status', 16).notNullable().defaultTo('active');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['platform_id'], 'lrs_targets_platform_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lrs_targets');
}
