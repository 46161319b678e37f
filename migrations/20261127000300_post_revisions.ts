import type { Knex } from 'knex';

// Edit history: each row is a version a post had before an edit replaced it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('post_revisions', (t) => {
    t.string('id', 36).primary();
    t.string('post_id', 36).notNullable().references('posts.id').onDelete('CASCADE');
    // The thread title at the time, for opening posts (whose edit can change the title).
    t.string('title', 255).nullable();
    t.text('body_markdown').notNullable();
    // When this version was written (post created_at or the previous edit) and replaced.
    t.bigInteger('written_at').notNullable();
    t.bigInteger('replaced_at').notNullable();
    t.string('replaced_by', 36).nullable().references('users.id').onDelete('SET NULL');
    t.index(['post_id', 'replaced_at'], 'post_revisions_post_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('post_revisions');
}
