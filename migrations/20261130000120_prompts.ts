import type { Knex } from 'knex';

// Prep prompts. A prompt is a thread of kind 'prompt' (its opening post is the prompt text), so
// answers are ordinary depth-1 posts with edit history, reactions, moderation and search for free.
// `prompt_details` holds what only a prompt has; `prompt_answers` says which post is each user's
// one answer, its primary key making "one answer per person" hold even under concurrent posts.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('prompt_details', (t) => {
    t.string('thread_id', 36).primary().references('threads.id').onDelete('CASCADE');
    t.string('space_id', 36).notNullable().references('spaces.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.boolean('required').notNullable().defaultTo(true);
    // JSON array of {label, url}; validated (https only) before it is written.
    t.text('materials').notNullable().defaultTo('[]');
    t.index(['space_id', 'position'], 'prompt_details_space_idx');
  });
  await knex.schema.createTable('prompt_answers', (t) => {
    t.string('thread_id', 36).notNullable().references('threads.id').onDelete('CASCADE');
    t.string('user_id', 36).notNullable().references('users.id').onDelete('CASCADE');
    t.string('post_id', 36).notNullable().references('posts.id').onDelete('CASCADE');
    t.bigInteger('created_at').notNullable();
    t.primary(['thread_id', 'user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('prompt_answers');
  await knex.schema.dropTable('prompt_details');
}
