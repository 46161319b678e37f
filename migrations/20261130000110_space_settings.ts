import type { Knex } from 'knex';

// What an instructor can change about a space beyond its title and event: an intro (Markdown and
// its sanitized render), a posting window, a lock, anonymity to peers, and post-first for prompts.
// Every column has a default (or is nullable), so existing spaces keep behaving as before.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('spaces', (t) => {
    t.text('intro_markdown').notNullable().defaultTo('');
    t.text('intro_html').notNullable().defaultTo('');
    t.bigInteger('opens_at').nullable();
    t.bigInteger('closes_at').nullable();
    t.boolean('locked').notNullable().defaultTo(false);
    t.string('anonymity', 8).notNullable().defaultTo('off'); // off | peers
    t.boolean('post_first').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('spaces', (t) => {
    t.dropColumns('intro_markdown', 'intro_html', 'opens_at', 'closes_at', 'locked', 'anonymity', 'post_first');
  });
}
