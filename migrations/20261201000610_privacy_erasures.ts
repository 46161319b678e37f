import type { Knex } from 'knex';

/**
 * A record that an erasure happened (issue 6): when, on whose request (an admin's label, or
 * "retention"), and how many rows each table lost. It holds no personal data: `user_id` is our
 * own random id, which after the erasure no longer points at anyone, and the LTI sub is not kept.
 * It lets an admin answer "was this done?" and makes a second erase of the same id a no-op that
 * says when the first one ran.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('privacy_erasures', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().unique();
    t.string('platform_id', 36).nullable().references('platforms.id').onDelete('SET NULL');
    t.string('reason', 16).notNullable(); // request | retention
    t.string('erased_by', 255).notNullable();
    t.text('counts').notNullable(); // JSON: table → rows changed
    t.bigInteger('erased_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('privacy_erasures');
}
