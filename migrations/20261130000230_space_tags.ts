import type { Knex } from 'knex';

// Tags: a list per space that staff manage, applied to threads by their authors. `label_key` is
// the label lowercased, so "Safety" and "safety" cannot both exist in one space (a unique index
// on lower(label) is not portable through knex's schema builder; a stored key is).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('space_tags', (t) => {
    t.string('id', 36).primary();
    t.string('space_id', 36).notNullable().references('spaces.id').onDelete('CASCADE');
    t.string('label', 40).notNullable();
    t.string('label_key', 40).notNullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['space_id', 'label_key'], { indexName: 'space_tags_label_uq' });
  });
  await knex.schema.createTable('thread_tags', (t) => {
    t.string('thread_id', 36).notNullable().references('threads.id').onDelete('CASCADE');
    t.string('tag_id', 36).notNullable().references('space_tags.id').onDelete('CASCADE');
    t.bigInteger('created_at').notNullable();
    t.primary(['thread_id', 'tag_id']);
    t.index(['tag_id', 'thread_id'], 'thread_tags_tag_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('thread_tags');
  await knex.schema.dropTable('space_tags');
}
