import type { Knex } from 'knex';

// Flags a participant raises on a post, and how a moderator resolved them. Resolved rows stay:
// they are the moderation history, and (with their created_at) what the flag rate limit counts.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('post_flags', (t) => {
    t.string('id', 36).primary();
    t.string('post_id', 36).notNullable().references('posts.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.string('reason', 16).notNullable(); // spam | off_topic | abusive | other
    t.string('note', 500).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('resolved_at').nullable();
    t.string('resolved_by', 36).nullable();
    t.string('resolution', 16).nullable(); // hidden | restored | locked | dismissed
    t.index(['post_id', 'resolved_at'], 'post_flags_post_idx');
    t.index(['user_id', 'created_at'], 'post_flags_user_time_idx');
  });
  // One open flag per user per post. A partial unique index, which SQLite and PostgreSQL both
  // support with this exact syntax; once resolved, the same person may flag the post again.
  await knex.raw('create unique index post_flags_open_uq on post_flags (post_id, user_id) where resolved_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('post_flags');
}
