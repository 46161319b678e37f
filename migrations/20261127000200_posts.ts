import type { Knex } from 'knex';

// Posts of a thread: the opening post (depth 0, no parent) and nested replies. Rows are never
// deleted by users: a delete leaves a tombstone so the replies under it stay readable.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('posts', (t) => {
    t.string('id', 36).primary();
    t.string('thread_id', 36).notNullable().references('threads.id').onDelete('CASCADE');
    t.string('parent_post_id', 36).nullable().references('posts.id').onDelete('CASCADE');
    // The depth-1 reply this post hangs under (itself at depth 1, null for the opening post):
    // a page of the thread is a page of branches, fetched with one indexed query.
    t.string('branch_id', 36).nullable();
    t.integer('depth').notNullable();
    t.string('author_id', 36).nullable().references('users.id').onDelete('SET NULL');
    t.text('body_markdown').notNullable();
    // Sanitized render cache; render_version says which renderer made it.
    t.text('body_html').notNullable();
    t.integer('render_version').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('edited_at').nullable();
    t.bigInteger('deleted_at').nullable();
    t.bigInteger('hidden_at').nullable();
    t.string('hidden_by', 36).nullable().references('users.id').onDelete('SET NULL');
    t.index(['thread_id', 'depth', 'created_at', 'id'], 'posts_thread_depth_idx');
    t.index(['branch_id', 'depth'], 'posts_branch_idx');
    t.index(['parent_post_id'], 'posts_parent_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('posts');
}
